// The ceiling any OpenTelemetry setup has on bench/register's hello-world server: the plain OTel NodeSDK with the same
// instrumentations the register path enables (http, undici), its default BatchSpanProcessor and a periodic metric
// reader, both exporting to a no-op exporter — spans and metrics are made and batched, then thrown away.
//   node --import ./nodesdk-noop.mjs hello.mjs
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

// The loader hook from the import-in-the-middle copy @opentelemetry/instrumentation uses, as its README documents.
const require = createRequire(import.meta.url);
const iitmPath = createRequire(require.resolve('@opentelemetry/instrumentation')).resolve('import-in-the-middle');
const { createAddHookMessageChannel } = require(iitmPath);
const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
register(pathToFileURL(iitmPath.replace(/index\.js$/, 'hook.mjs')).href, import.meta.url, registerOptions);

const { NodeSDK } = await import('@opentelemetry/sdk-node');
const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
const { PeriodicExportingMetricReader, AggregationTemporality } = await import('@opentelemetry/sdk-metrics');

const ok = (_items, done) => done({ code: 0 });
const sdk = new NodeSDK({
  traceExporter: { export: ok, shutdown: async () => {}, forceFlush: async () => {} },
  metricReaders: [
    new PeriodicExportingMetricReader({
      exporter: {
        export: ok,
        shutdown: async () => {},
        forceFlush: async () => {},
        selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
      },
    }),
  ],
  instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
});
sdk.start();
await waitForAllMessagesAcknowledged();
process.once('SIGTERM', () => sdk.shutdown().finally(() => process.exit(0)));
