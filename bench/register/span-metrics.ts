// CPU a server span costs the span-derived metrics (SpanMetricsProcessor), in-process: spans created and ended with
// no processor (the raw limit: the SDK's own cost) and with the processor in each of its histogram modes ('sdk':
// SDK histograms recorded per span; 'producer': in-process histograms reported by a MetricProducer, what
// createTelemetry uses when it builds the only metric reader), interleaved, three rounds; the figure is the
// processor's added CPU per span and the ratio of the raw limit to the total.
//
//   node --conditions=@rohas/source --import tsx register/span-metrics.ts      (N=100000 spans per round)
import { SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createTelemetry, defaultConfig, SpanMetricsProcessor } from '@rohas/telemetry';

const N = Number(process.env.N ?? 100_000);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const attrs = { 'http.request.method': 'GET', 'http.route': '/users/:id', 'http.response.status_code': 200 };

async function usPerSpan(mode: 'none' | 'sdk' | 'producer'): Promise<number> {
  const processor = mode === 'none' ? undefined : new SpanMetricsProcessor('bench', { histograms: mode });
  const config = defaultConfig({ type: 'memory', derive_span_metrics: false, enable_traces: false });
  // 'producer' needs a reader that collects it; the SDK histograms of 'sdk' are recorded into the storage's own
  // reader (one reader each way: a second SDK reader would double the per-span recording cost).
  const producerReader =
    processor && mode === 'producer'
      ? new PeriodicExportingMetricReader({
          exporter: { export: (_m, done) => done({ code: 0 }), forceFlush: async () => {}, shutdown: async () => {} },
          exportIntervalMillis: 3_600_000,
          metricProducers: [processor.producer(resourceFromAttributes({}))],
        })
      : undefined;
  const t = await createTelemetry(config, {
    registerGlobal: false,
    logger: silent,
    spanProcessors: processor ? [processor] : [],
    metricReaders: producerReader ? [producerReader] : [],
  });
  processor?.bind(t.meterProvider.getMeter('bench'));
  const tracer = t.tracerProvider.getTracer('bench');
  const burst = (n: number) => {
    for (let i = 0; i < n; i++) tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: attrs }).end();
  };
  burst(N / 5); // warm-up
  const c0 = process.cpuUsage();
  burst(N);
  const c = process.cpuUsage(c0);
  await t.shutdown();
  return (c.user + c.system) / N;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const raw: number[] = [];
const modes = { sdk: [] as number[], producer: [] as number[] };
for (let round = 0; round < 3; round++) {
  raw.push(await usPerSpan('none'));
  for (const mode of ['sdk', 'producer'] as const) modes[mode].push(await usPerSpan(mode));
}
console.log(`span-metrics: ${N} server spans per round, 3 rounds`);
console.log(
  `raw limit (no processor): ${median(raw).toFixed(2)} us CPU/span [${raw.map((x) => x.toFixed(2)).join(', ')}]`,
);
for (const [mode, derived] of Object.entries(modes)) {
  const added = derived.map((d, i) => d - raw[i]!);
  console.log(
    `with SpanMetricsProcessor, histograms '${mode}': ${median(derived).toFixed(2)} us CPU/span; added ${median(added).toFixed(2)} us [${added.map((x) => x.toFixed(2)).join(', ')}]; ratio of raw ${(median(raw) / median(derived)).toFixed(2)}`,
  );
}
