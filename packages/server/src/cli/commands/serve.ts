import { DEFAULT_HOST, DEFAULT_PORT, startServer } from '../../server.js';
import { type Command, configFrom, EXIT, helped, open, parse, UsageError } from '../support.js';

export const SERVE_HELP = `Usage: rohas-telemetry serve [--host 127.0.0.1] [--port 4318] [--config rohas.toml]

Starts the OTLP/HTTP receiver (/v1/traces, /v1/metrics, /v1/logs), the query API (/telemetry/...), the Jaeger API
(/api/...) and the Workbench (/workbench) on one port. Host and port default to [telemetry.server] host/port, else
127.0.0.1:4318 (the OTLP/HTTP default port). [telemetry.server] token requires "Authorization: Bearer <token>".
Stops cleanly (flushing queued data) on SIGINT/SIGTERM. Status lines go to stderr.`;

export const serve: Command = async (args, io) => {
  const { values } = parse(args, { host: { type: 'string' }, port: { type: 'string', short: 'p' } });
  if (helped(values, io, SERVE_HELP)) return EXIT.OK;
  let port: number | undefined;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535)
      throw new UsageError(`--port must be 0..65535, got ${values.port}`);
    port = Number(values.port);
  }
  const config = configFrom(values.config);
  const storage = await open(config, io);
  const server = await startServer({
    storage,
    host: values.host ?? config.server?.host ?? DEFAULT_HOST,
    port: port ?? config.server?.port ?? DEFAULT_PORT,
  });
  const health = await storage.health();
  io.err(
    `rohas-telemetry listening on ${server.url}  (OTLP/HTTP ${server.url}/v1/{traces,metrics,logs}, Workbench ${server.url}/workbench/)`,
  );
  io.err(
    `storage: ${health.message}; ${Object.entries(health.signals)
      .map(([s, b]) => `${s} -> ${b}`)
      .join(', ')}`,
  );
  if (config.server?.token) io.err('bearer token required on /v1, /telemetry and /api');
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.err('stopping: flushing queued telemetry');
  await server.close();
  await storage.shutdown();
  return EXIT.OK;
};
