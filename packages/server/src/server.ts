import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp, DEFAULT_MAX_BODY_BYTES } from './app.js';
import { type GrpcReceiver, startGrpcReceiver } from './grpc/receiver.js';
import type { RunningServer, StartServerOptions } from './types.js';

/** OTLP/HTTP's default port, so SDKs export here without configuration. */
export const DEFAULT_PORT = 4318;
/** OTLP/gRPC's default port. */
export const DEFAULT_GRPC_PORT = 4317;
/** Loopback only unless told otherwise: the API has no authentication unless a token is set. */
export const DEFAULT_HOST = '127.0.0.1';

/** Whether a bind address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/**
 * Starts the OTLP/HTTP receiver, query API, Jaeger API and Workbench on one port, and the OTLP/gRPC receiver on
 * another (`grpcPort`, default `[telemetry.server] grpc_port`, else 4317 — or off when `port` is 0 and no gRPC port is
 * given, so tests on free ports do not all claim 4317; 0 disables it).
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { storage } = options;
  const host = options.host ?? storage.config.server?.host ?? DEFAULT_HOST;
  const port = options.port ?? storage.config.server?.port ?? DEFAULT_PORT;
  const token = options.token ?? storage.config.server?.token;
  if (!token && !isLoopback(host)) {
    (options.logger ?? console).warn(
      `[rohas-telemetry] [server] listening on ${host} without a token: anyone who can reach this address can send and read telemetry. Set [telemetry.server] token (clients send "Authorization: Bearer <token>") or bind 127.0.0.1.`,
    );
  }
  const { app, state } = createApp(storage, options);
  const server = await new Promise<ReturnType<typeof serve>>((resolvePromise, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolvePromise(s));
    s.once('error', reject);
  });
  const serverConfig = storage.config.server ?? {};
  const grpcPort = options.grpcPort ?? serverConfig.grpc_port ?? (port === 0 ? 0 : DEFAULT_GRPC_PORT);
  let grpcReceiver: GrpcReceiver | undefined;
  if (grpcPort !== 0) {
    try {
      grpcReceiver = await startGrpcReceiver(storage, {
        host,
        port: grpcPort === 'any' ? 0 : grpcPort,
        token: options.token ?? serverConfig.token,
        maxBodyBytes: options.maxBodyBytes ?? serverConfig.max_body_bytes ?? DEFAULT_MAX_BODY_BYTES,
        maxRequestValues: options.maxRequestValues ?? serverConfig.max_request_values,
        maxValueBytes: options.maxValueBytes ?? serverConfig.max_value_bytes,
        state,
        logger: options.logger ?? console,
        ack: options.ack ?? serverConfig.ack,
      });
    } catch (error) {
      await new Promise<void>((done) => server.close(() => done()));
      throw error;
    }
  }
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    grpcPort: grpcReceiver?.port,
    close() {
      closed ??= (async () => {
        state.closing = true;
        const grpcClosed = grpcReceiver?.close();
        await new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          // Idle keep-alive connections would hold close() open; active requests still finish.
          (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        });
        await grpcClosed;
        await storage.forceFlush();
      })();
      return closed;
    },
  };
}
