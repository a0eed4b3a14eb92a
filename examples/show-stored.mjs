// Prints what the example service stored, through the query API: the latest traces with their spans, the handler
// metrics and the error logs. Reads the same rohas.toml (or defaults) as the service.
import { loadConfig, openStorage } from '@rohas/telemetry';

const config = loadConfig(process.env.ROHAS_CONFIG);
// openStorage gives the query API without starting OpenTelemetry providers.
const { query, shutdown } = await openStorage(config);
const ms = (ns) => `${(Number(ns) / 1e6).toFixed(2)} ms`;
try {
  const services = await query.listServices();
  console.log(`services: ${services.join(', ') || '(none yet: run the service first)'}`);
  const traces = await query.findTraces({ service: 'users-api', limit: 5 });
  console.log(`\nlatest ${traces.items.length} traces of users-api:`);
  for (const t of traces.items) {
    console.log(
      `  ${t.traceId}  ${t.rootSpanName.padEnd(18)} ${ms(t.durationNano).padStart(10)}  spans=${t.spanCount} errors=${t.errorCount}`,
    );
  }
  const first = traces.items[0];
  if (first) {
    console.log(`\ntrace ${first.traceId}:`);
    for (const s of (await query.getTrace(first.traceId)) ?? []) {
      const indent = s.parentSpanId ? '    ' : '  ';
      console.log(
        `${indent}${s.name} (${ms(s.endTimeUnixNano - s.startTimeUnixNano)}) ${JSON.stringify(s.attributes)}`,
      );
    }
  }
  const now = BigInt(Date.now()) * 1_000_000n;
  const hour = 3_600_000_000_000n;
  for (const [name, aggregation] of [
    ['handler.execution.count', 'last'],
    ['handler.execution.duration', 'p90'],
  ]) {
    const series = await query.queryMetrics({
      name,
      start: now - hour,
      end: now + hour,
      aggregation,
      groupBy: ['handler_name'],
    });
    console.log(`\n${name} (${aggregation}) by handler_name:`);
    for (const s of series)
      console.log(`  ${String(s.labels.handler_name).padEnd(22)} ${s.points.at(-1)?.value.toFixed(2)}`);
  }
  const errors = await query.queryLogs({ minSeverity: 17, service: 'users-api', limit: 5 });
  console.log(`\nlatest error logs:`);
  for (const l of errors.items)
    console.log(
      `  ${new Date(Number(l.timeUnixNano / 1_000_000n)).toISOString()} ${l.severityText} ${l.body} trace=${l.traceId}`,
    );
} finally {
  await shutdown();
}
