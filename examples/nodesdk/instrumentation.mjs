// The Backstage way: the app's own NodeSDK, loaded before the app with
//
//   node --import ./instrumentation.mjs app.mjs
//
// rohas-telemetry only provides the exporters (spans, metrics and logs into the store rohas.toml names; with no
// rohas.toml the embedded SQLite store) and the span-derived handler metrics; the Prometheus pull reader serves
// /metrics on PROMETHEUS_PORT (default 9464) as in Backstage's setup.
import { register } from 'node:module';
import { metrics } from '@opentelemetry/api';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { logs, NodeSDK, metrics as sdkMetrics, tracing } from '@opentelemetry/sdk-node';
import {
  loadConfig,
  openStorage,
  SpanMetricsProcessor,
  StorageLogExporter,
  StorageMetricExporter,
  StorageSpanExporter,
} from '@rohas/telemetry';

// Without this loader hook, instrumentations do not patch ES modules (Express imported with `import` in app.mjs).
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const config = loadConfig(); // ./rohas.toml when present, else the defaults; OTEL_* variables win over the file
const storage = await openStorage(config);
const spanMetrics = new SpanMetricsProcessor(config.service_name);
const prometheusPort = Number(process.env.PROMETHEUS_PORT ?? 9464);

const sdk = new NodeSDK({
  serviceName: config.service_name,
  spanProcessors: [new tracing.BatchSpanProcessor(new StorageSpanExporter(storage)), spanMetrics],
  metricReaders: [
    new PrometheusExporter({ port: prometheusPort }),
    new sdkMetrics.PeriodicExportingMetricReader({
      exporter: new StorageMetricExporter(storage),
      exportIntervalMillis: config.metric_export_interval_ms,
    }),
  ],
  // sdk-logs 0.223 takes an options object here ({ exporter }), unlike the span processor.
  logRecordProcessors: [new logs.BatchLogRecordProcessor({ exporter: new StorageLogExporter(storage) })],
  instrumentations: [
    getNodeAutoInstrumentations({
      // Scrapes of the pull endpoint are not the app's requests.
      '@opentelemetry/instrumentation-http': {
        ignoreIncomingRequestHook: (req) => req.socket.localPort === prometheusPort,
      },
    }),
  ],
});
sdk.start();
// The handler metrics (handler.execution.*) and RED series computed from server spans, on the SDK's MeterProvider.
spanMetrics.bind(metrics.getMeter('@rohas/telemetry/span-metrics'));

process.once('SIGTERM', async () => {
  await sdk.shutdown(); // flushes the span, metric and log processors into the storage queues
  await storage.forceFlush(); // ...and those into the store
  process.exit(0);
});
