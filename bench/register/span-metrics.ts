// CPU a server span costs the span-derived metrics (SpanMetricsProcessor), in-process: spans created and ended with
// no processor (the raw limit: the SDK's own cost) and with the processor, interleaved, three rounds; the figure is
// the processor's added CPU per span and the ratio of the raw limit to the total.
//
//   node --conditions=@rohas/source --import tsx register/span-metrics.ts      (N=100000 spans per round)
import { SpanKind } from '@opentelemetry/api';
import { createTelemetry, defaultConfig, SpanMetricsProcessor } from '@rohas/telemetry';

const N = Number(process.env.N ?? 100_000);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const attrs = { 'http.request.method': 'GET', 'http.route': '/users/:id', 'http.response.status_code': 200 };

async function usPerSpan(withProcessor: boolean): Promise<number> {
  const processor = withProcessor ? new SpanMetricsProcessor('bench') : undefined;
  const config = defaultConfig({ type: 'memory', derive_span_metrics: false, enable_traces: false });
  const t = await createTelemetry(config, {
    registerGlobal: false,
    logger: silent,
    spanProcessors: processor ? [processor] : [],
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
const derived: number[] = [];
for (let round = 0; round < 3; round++) {
  raw.push(await usPerSpan(false));
  derived.push(await usPerSpan(true));
}
const added = derived.map((d, i) => d - raw[i]!);
console.log(`span-metrics: ${N} server spans per round, 3 rounds`);
console.log(
  `raw limit (no processor): ${median(raw).toFixed(2)} us CPU/span [${raw.map((x) => x.toFixed(2)).join(', ')}]`,
);
console.log(
  `with SpanMetricsProcessor: ${median(derived).toFixed(2)} us CPU/span; added ${median(added).toFixed(2)} us [${added.map((x) => x.toFixed(2)).join(', ')}]; ratio of raw ${(median(raw) / median(derived)).toFixed(2)}`,
);
