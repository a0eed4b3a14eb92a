import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import type { RunningServer, StartServerOptions } from './types.js';

/** OTLP/HTTP's default port, so SDKs export here without configuration. */
export const DEFAULT_PORT = 4318;
/** Loopback only unless told otherwise: the API has no authentication unless a token is set. */
export const DEFAULT_HOST = '127.0.0.1';

/** Whether a bind address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/** Starts the receiver, query API, Jaeger API and Workbench on one port. */
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
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    close() {
      closed ??= (async () => {
        state.closing = true;
        await new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          // Idle keep-alive connections would hold close() open; active requests still finish.
          (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        });
        await storage.forceFlush();
      })();
      return closed;
    },
  };
}
