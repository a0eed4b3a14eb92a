/**
 * A real `rohas-telemetry serve` over a temp SQLite database, loaded with the test fixtures (Rohas-like traces,
 * handler metrics, logs, one 5,000-span trace) and the example app's data: for working on the UI.
 *
 *   npm run demo -w @rohas/telemetry-workbench        then open the printed /workbench URL; Ctrl-C stops it
 *   (with `npm run dev` in another shell and ROHAS_TELEMETRY_URL=<printed url>, Vite serves the app with hot reload)
 */
import { bigTrace, exampleData } from '../test/fixtures/telemetry-data.ts';
import { buildWorkbench, loadTelemetry, startTelemetryServer } from '../test/support/harness.ts';

await buildWorkbench();
const server = await startTelemetryServer({ exampleApp: true });
const now = Date.now();
const data = exampleData(now, { traces: 150 });
const big = bigTrace(5000, now);
await loadTelemetry(server.url, { spans: [...data.spans, ...big.spans], metrics: data.metrics, logs: data.logs });
console.log(`Workbench: ${server.url}/workbench/`);
console.log(`  5,000-span trace: ${server.url}/workbench/traces/${big.traceId}`);
console.log(`  a trace with errors: ${server.url}/workbench/traces/${data.errorTraceId}`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
