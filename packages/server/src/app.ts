import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { bearerAuth } from './auth.js';
import { healthzWithoutToken, hostCheck, isBackendUnavailable } from './guards.js';
import { registerJaegerApi } from './jaeger.js';
import { registerLokiApi } from './loki/routes.js';
import { registerPrometheusApi } from './promql/routes.js';
import { apiError, registerQueryApi } from './query-api.js';
import { otlpStatus, type ReceiverState, registerReceiver } from './receiver.js';
import type { ServerOptions, ServerStorage } from './types.js';
import { defaultWorkbenchDir, registerWorkbench } from './workbench.js';

/** 20 MiB, the OpenTelemetry Collector OTLP receiver's default limit. */
export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;

export interface TelemetryApp {
  /** The Hono app; `app.fetch` is a standard fetch handler. */
  app: Hono;
  /** Receiver state: set `closing` to refuse new exports with 503 while shutting down. */
  state: ReceiverState;
}

/**
 * Builds the HTTP app over a storage: the OTLP/HTTP receiver, the query API, the Jaeger-compatible API and the
 * Workbench. Options default to the storage's `[telemetry.server]` config.
 */
export function createApp(storage: ServerStorage, options: ServerOptions = {}): TelemetryApp {
  const server = storage.config.server ?? {};
  const token = options.token ?? server.token;
  const corsSetting = options.cors ?? server.cors ?? false;
  const maxBodyBytes = options.maxBodyBytes ?? server.max_body_bytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = options.logger ?? console;
  const ack = options.ack ?? server.ack ?? 'committed';
  const state: ReceiverState = { closing: false };
  const app = new Hono();

  if (corsSetting) {
    app.use(
      '*',
      cors({
        origin: corsSetting === true ? '*' : corsSetting,
        allowHeaders: ['authorization', 'content-type', 'content-encoding'],
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        maxAge: 600,
      }),
    );
  }

  if (!token) {
    // Without a token, requests naming another host are refused (DNS rebinding).
    const allowed = [server.host, ...(options.allowedHosts ?? [])].filter((h): h is string => Boolean(h));
    app.use('*', hostCheck(allowed));
  }

  if (token) {
    app.use('/healthz', healthzWithoutToken(token, storage));
    app.use(
      '/v1/*',
      bearerAuth(token, (c) => otlpStatus(c, 'json', 401, 16, 'missing or wrong bearer token')),
    );
    app.use(
      '/telemetry/*',
      bearerAuth(token, (c) => apiError(c, 401, 'missing or wrong bearer token')),
    );
    app.use(
      '/api/*',
      bearerAuth(token, (c) =>
        c.json(
          { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 401, msg: 'missing or wrong bearer token' }] },
          401,
        ),
      ),
    );
  }

  registerReceiver(app, storage, {
    maxBodyBytes,
    maxDecodedBytes: options.maxDecodedBytes ?? server.max_decoded_bytes,
    maxRequestValues: options.maxRequestValues ?? server.max_request_values,
    maxValueBytes: options.maxValueBytes ?? server.max_value_bytes,
    state,
    logger,
    ack,
  });
  registerQueryApi(app, storage);
  registerJaegerApi(app, storage);
  registerPrometheusApi(app, storage);
  registerLokiApi(app, storage, token);
  registerWorkbench(app, options.workbenchDir ?? defaultWorkbenchDir());
  app.get('/', (c) => c.redirect('/workbench/', 302));

  app.notFound((c) => apiError(c, 404, `no route ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((error, c) => {
    if (isBackendUnavailable(error)) {
      const res = apiError(c, 503, `[rohas-telemetry] [server] the backend is unavailable: ${error.message}`);
      res.headers.set('retry-after', '5');
      return res;
    }
    logger.error(`[rohas-telemetry] [server] ${c.req.method} ${new URL(c.req.url).pathname} failed: ${error.message}`);
    return apiError(c, 500, `[rohas-telemetry] [server] internal error: ${error.message}`);
  });
  return { app, state };
}
