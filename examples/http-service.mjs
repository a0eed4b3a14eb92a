// A small HTTP service instrumented with the OpenTelemetry API. Its spans, metrics and logs go wherever rohas.toml's
// [telemetry] type says; with no rohas.toml that is the embedded SQLite store under .rohas/telemetry.
//
//   node http-service.mjs          serve on PORT (default 3000) until Ctrl-C
//   node http-service.mjs --demo   serve, send itself a burst of requests, flush and exit
import { createServer } from 'node:http';
import { SpanStatusCode } from '@opentelemetry/api';
import { createHandlerMetrics, createTelemetry, loadConfig } from '@rohas/telemetry';

const config = loadConfig(process.env.ROHAS_CONFIG); // ./rohas.toml or ./config/rohas.toml when present, else defaults
config.service_name = process.env.OTEL_SERVICE_NAME ?? 'users-api';
const telemetry = await createTelemetry(config);
const { tracer, logger, meter } = telemetry;
const handlers = createHandlerMetrics(meter);

const users = new Map([
  ['1', { id: '1', name: 'Ada' }],
  ['2', { id: '2', name: 'Linus' }],
]);

/** Pretends to query a database, with its own span. */
async function dbQuery(sql, params) {
  return tracer.startActiveSpan(
    'db.query',
    { kind: 2 /* CLIENT */, attributes: { 'db.system': 'sqlite', 'db.statement': sql } },
    async (span) => {
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
      span.setAttribute('db.rows', params.length);
      span.end();
    },
  );
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const route = url.pathname.startsWith('/users/') ? '/users/:id' : url.pathname;
  const handler = { handlerName: `${req.method} ${route}`, handlerType: 'api', language: 'typescript' };
  await tracer.startActiveSpan(
    `${req.method} ${route}`,
    { kind: 1 /* SERVER */, attributes: { 'http.request.method': req.method, 'http.route': route } },
    async (span) => {
      try {
        const body = await handlers.track(handler, async () => {
          if (route === '/users') {
            await dbQuery('SELECT * FROM users', []);
            return [...users.values()];
          }
          if (route === '/users/:id') {
            const id = url.pathname.split('/')[2];
            await dbQuery('SELECT * FROM users WHERE id = ?', [id]);
            const user = users.get(id);
            if (!user) {
              const error = new Error(`user ${id} not found`);
              error.status = 404;
              throw error;
            }
            return user;
          }
          const error = new Error(`no route for ${url.pathname}`);
          error.status = 404;
          throw error;
        });
        span.setAttribute('http.response.status_code', 200);
        logger.emit({
          severityNumber: 9,
          severityText: 'INFO',
          body: `${req.method} ${url.pathname} -> 200`,
          attributes: { handler: handler.handlerName },
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } catch (error) {
        const status = error.status ?? 500;
        span.setAttribute('http.response.status_code', status);
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        logger.emit({
          severityNumber: 17,
          severityText: 'ERROR',
          body: error.message,
          attributes: { handler: handler.handlerName, 'http.response.status_code': status },
        });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message }));
      } finally {
        span.end();
      }
    },
  );
}

const server = createServer((req, res) => void handle(req, res));
const port = Number(process.env.PORT ?? (process.argv.includes('--demo') ? 0 : 3000));
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
console.log(`users-api listening on ${base} (telemetry: ${telemetry.storage.backends.traces ?? 'none'} for traces)`);

async function stop() {
  server.close();
  await telemetry.shutdown(); // flushes every span, metric and log already ended
  const s = telemetry.stats();
  console.log(
    `stored: ${s.traces?.written ?? 0} spans, ${s.metrics?.written ?? 0} metric points, ${s.logs?.written ?? 0} logs; dropped: ${(s.traces?.dropped ?? 0) + (s.logs?.dropped ?? 0)}`,
  );
}

if (process.argv.includes('--demo')) {
  const paths = ['/users', '/users/1', '/users/2', '/users/9', '/nope'];
  for (let i = 0; i < 25; i++) await fetch(base + paths[i % paths.length]).then((r) => r.arrayBuffer());
  await stop();
} else {
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
