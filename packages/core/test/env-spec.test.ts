// One test per OpenTelemetry environment variable, each with a file that sets the same key: the environment wins.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { LIMIT_VARIABLES } from '../src/env-spec.js';
import { createTelemetry, loadConfig, openStorage, type TelemetryConfig } from '../src/index.js';
import { leveledLogger, propagatorFor, samplerFor } from '../src/sdk-config.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-env-spec-'));
const silent = { debug() {}, info() {}, warn() {}, error() {} };
let n = 0;
function withFile(body: string, env: NodeJS.ProcessEnv): TelemetryConfig {
  const file = join(dir, `c${n++}.toml`);
  writeFileSync(file, `[telemetry]\n${body.includes('type =') ? '' : 'type = "memory"\n'}${body}\n`);
  return loadConfig(file, { env });
}
const warnings: string[] = [];
const origWrite = process.stderr.write.bind(process.stderr);
function captureStderr<T>(fn: () => T): T {
  process.stderr.write = ((chunk: string) => {
    warnings.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return fn();
  } finally {
    process.stderr.write = origWrite;
  }
}
afterAll(() => {
  process.stderr.write = origWrite;
});

describe('OTEL_SDK_DISABLED', () => {
  it.each(['true', 'TRUE', 'True', ' true '])('%j turns collection off over the file', async (value) => {
    const c = withFile('sdk_disabled = false', { OTEL_SDK_DISABLED: value });
    expect(c.sdk_disabled).toBe(true);
    const t = await createTelemetry(c, { registerGlobal: false, logger: silent });
    try {
      t.tracer.startSpan('not collected').end();
      await t.forceFlush();
      expect(t.stats().spansEnded).toBe(0);
      expect(t.storage.backends).toEqual({ traces: undefined, metrics: undefined, logs: undefined });
    } finally {
      await t.shutdown();
    }
  });

  it('"false" and other values leave it on; a value neither true nor false warns', () => {
    expect(withFile('sdk_disabled = true', { OTEL_SDK_DISABLED: 'FALSE' }).sdk_disabled).toBe(false);
    const c = captureStderr(() => withFile('', { OTEL_SDK_DISABLED: 'yes' }));
    expect(c.sdk_disabled).toBe(false);
    expect(warnings.join('')).toMatch(/OTEL_SDK_DISABLED="yes" is not true or false/);
  });

  it('stops collection only: the store stays readable (what the CLI query, export and doctor open)', async () => {
    const path = join(dir, 'disabled-store');
    const writer = await createTelemetry(withFile(`type = "sqlite"\npath = "${path}"`, {}), {
      registerGlobal: false,
      logger: silent,
    });
    writer.tracer.startSpan('stored before').end();
    await writer.shutdown();
    const c = withFile(`type = "sqlite"\npath = "${path}"`, { OTEL_SDK_DISABLED: 'true' });
    const storage = await openStorage(c, { logger: silent });
    try {
      expect((await storage.query.findTraces({ name: 'stored before' })).items).toHaveLength(1);
    } finally {
      await storage.shutdown();
    }
  }, 30_000);
});

describe('service name', () => {
  it('OTEL_SERVICE_NAME beats the file and OTEL_RESOURCE_ATTRIBUTES', () => {
    const c = withFile('service_name = "from-file"', {
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs',
    });
    expect(c.service_name).toBe('from-env');
  });

  it('service.name in OTEL_RESOURCE_ATTRIBUTES beats service_name in the file', () => {
    const c = withFile(
      'service_name = "unknown_service:node"\n[telemetry.resource_attributes]\nteam = "file"\nkeep = "yes"',
      {
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=checkout,team=pay%20ments',
      },
    );
    expect(c.service_name).toBe('checkout');
    expect(c.resource_attributes).toEqual({ 'service.name': 'checkout', team: 'pay ments', keep: 'yes' });
  });

  it('the resource of the created providers carries them', async () => {
    const c = withFile('service_name = "file"', {
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=orders,deployment.environment=prod',
    });
    const t = await createTelemetry(c, { registerGlobal: false, logger: silent });
    try {
      expect(t.resource.attributes['service.name']).toBe('orders');
      expect(t.resource.attributes['deployment.environment']).toBe('prod');
    } finally {
      await t.shutdown();
    }
  });
});

describe('OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG', () => {
  it.each([
    ['always_on', AlwaysOnSampler],
    ['ALWAYS_OFF', AlwaysOffSampler],
    ['traceidratio', TraceIdRatioBasedSampler],
    ['parentbased_always_on', ParentBasedSampler],
    ['parentbased_always_off', ParentBasedSampler],
    ['parentbased_traceidratio', ParentBasedSampler],
  ])('%s beats the file', (name, type) => {
    const c = withFile('sampler = "always_on"\nsampling_ratio = 1.0', { OTEL_TRACES_SAMPLER: name });
    expect(c.sampler).toBe(name.toLowerCase());
    expect(samplerFor(c)).toBeInstanceOf(type);
  });

  it('always_off stores no span (the issue: 10 of 10 were stored)', async () => {
    const t = await createTelemetry(withFile('', { OTEL_TRACES_SAMPLER: 'always_off' }), {
      registerGlobal: false,
      logger: silent,
    });
    try {
      for (let i = 0; i < 10; i++) t.tracer.startSpan(`s${i}`, { kind: SpanKind.SERVER }).end();
      await t.forceFlush();
      expect((await t.query.findTraces({ limit: 100 })).items).toHaveLength(0);
    } finally {
      await t.shutdown();
    }
  });

  it('the ratio argument beats sampling_ratio in the file, and a ratio of 0 keeps no root span', async () => {
    const c = withFile('sampling_ratio = 1.0', { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    expect(c.sampling_ratio).toBe(0);
    expect(withFile('sampling_ratio = 1.0', { OTEL_TRACES_SAMPLER_ARG: '0.25' }).sampling_ratio).toBe(0.25);
    const t = await createTelemetry(c, { registerGlobal: false, logger: silent });
    try {
      for (let i = 0; i < 10; i++) t.tracer.startSpan(`r${i}`).end();
      expect(t.stats().spansEnded).toBe(0);
    } finally {
      await t.shutdown();
    }
  });

  it('an unknown sampler or a bad argument is ignored with a warning', () => {
    warnings.length = 0;
    const c = captureStderr(() =>
      withFile('sampler = "always_on"\nsampling_ratio = 0.5', {
        OTEL_TRACES_SAMPLER: 'jaeger_remote',
        OTEL_TRACES_SAMPLER_ARG: '2',
      }),
    );
    expect(c.sampler).toBe('always_on');
    expect(c.sampling_ratio).toBe(0.5);
    expect(warnings.join('')).toMatch(/OTEL_TRACES_SAMPLER="jaeger_remote" is not supported/);
    expect(warnings.join('')).toMatch(/takes no argument/);
  });
});

describe('ROHAS_TELEMETRY_CONFIG', () => {
  it('names the config file (register, CLI) and is not read as a key, while ROHAS_TELEMETRY_<KEY> still sets keys', () => {
    const file = join(dir, 'named.toml');
    writeFileSync(file, '[telemetry]\ntype = "memory"\nservice_name = "named"\n');
    expect(loadConfig(file, { env: { ROHAS_TELEMETRY_CONFIG: file } }).service_name).toBe('named');
    const c = loadConfig(file, { env: { ROHAS_TELEMETRY_CONFIG: file, ROHAS_TELEMETRY_SERVICE_NAME: 'from-env' } });
    expect(c.service_name).toBe('from-env');
  });
});

describe('OTEL_PROPAGATORS', () => {
  function injected(c: TelemetryConfig): string[] {
    const carrier: Record<string, string> = {};
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    });
    const withBaggage = propagation.setBaggage(ctx, propagation.createBaggage({ k: { value: 'v' } }));
    propagatorFor(c, silent).inject(withBaggage, carrier, {
      set: (o: Record<string, string>, k: string, v: string) => (o[k] = v),
    });
    return Object.keys(carrier).sort();
  }
  it('beats the file key', () => {
    const c = withFile('propagators = ["tracecontext", "baggage"]', { OTEL_PROPAGATORS: 'baggage' });
    expect(c.propagators).toEqual(['baggage']);
    expect(injected(c)).toEqual(['baggage']);
  });
  it('b3, b3multi and jaeger (optional packages) each extract their headers, and inject their own', () => {
    const c = withFile('', { OTEL_PROPAGATORS: 'b3,b3multi,jaeger' });
    const p = propagatorFor(c, silent);
    const getter = {
      get: (o: Record<string, string>, k: string) => o[k],
      keys: (o: Record<string, string>) => Object.keys(o),
    };
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const spanId = 'b7ad6b7169203331';
    const carriers = [
      { b3: `${traceId}-${spanId}-1` },
      { 'x-b3-traceid': traceId, 'x-b3-spanid': spanId, 'x-b3-sampled': '1' },
      { 'uber-trace-id': `${traceId}:${spanId}:0:1` },
    ];
    for (const carrier of carriers)
      expect(trace.getSpanContext(p.extract(ROOT_CONTEXT, carrier, getter)), JSON.stringify(carrier)).toMatchObject({
        traceId,
        spanId,
        isRemote: true,
      });
    // No traceparent: only the named formats go out (Jaeger carries baggage as uberctx-<key>).
    expect(injected(c)).toEqual(['b3', 'uber-trace-id', 'uberctx-k', 'x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid']);
  });
  it('a propagator whose package is not installed is skipped with a warning naming the npm install line', () => {
    const said: string[] = [];
    const logger = { ...silent, warn: (m: string) => said.push(m) };
    const c = withFile('', { OTEL_PROPAGATORS: 'tracecontext,b3,jaeger' });
    const p = propagatorFor(c, logger, () => undefined);
    expect(said).toEqual([
      expect.stringMatching(
        /propagator "b3" needs @opentelemetry\/propagator-b3.*npm install @opentelemetry\/propagator-b3/,
      ),
      expect.stringMatching(/propagator "jaeger" needs @opentelemetry\/propagator-jaeger.*npm install/),
    ]);
    const carrier: Record<string, string> = {};
    p.inject(
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 1,
      }),
      carrier,
      { set: (o: Record<string, string>, k: string, v: string) => (o[k] = v) },
    );
    expect(Object.keys(carrier)).toEqual(['traceparent']);
  });
  it('defaults to tracecontext and baggage; "none" propagates nothing', () => {
    expect(injected(withFile('', {}))).toEqual(['baggage', 'traceparent']);
    expect(injected(withFile('', { OTEL_PROPAGATORS: 'none' }))).toEqual([]);
  });
  it('the created telemetry registers it globally', async () => {
    const t = await createTelemetry(withFile('', { OTEL_PROPAGATORS: 'tracecontext' }), { logger: silent });
    try {
      const carrier: Record<string, string> = {};
      const span = t.tracer.startSpan('x');
      propagation.inject(trace.setSpan(context.active(), span), carrier);
      span.end();
      expect(Object.keys(carrier)).toEqual(['traceparent']);
    } finally {
      await t.shutdown();
    }
  });
});

describe('OTEL_METRIC_EXPORT_INTERVAL', () => {
  it('beats metric_export_interval_ms in the file (the README says the environment wins)', () => {
    expect(
      withFile('metric_export_interval_ms = 60000', { OTEL_METRIC_EXPORT_INTERVAL: '500' }).metric_export_interval_ms,
    ).toBe(500);
  });
  it('a value that is not an integer >= 100 is ignored with a warning', () => {
    warnings.length = 0;
    const c = captureStderr(() =>
      withFile('metric_export_interval_ms = 60000', { OTEL_METRIC_EXPORT_INTERVAL: 'soon' }),
    );
    expect(c.metric_export_interval_ms).toBe(60000);
    expect(warnings.join('')).toMatch(/OTEL_METRIC_EXPORT_INTERVAL="soon"/);
  });
});

describe('attribute, event and link limits', () => {
  it.each(Object.entries(LIMIT_VARIABLES))('%s beats %s in the file', (variable, key) => {
    const c = withFile(`${key} = 7`, { [variable]: '3' });
    expect((c as unknown as Record<string, number>)[key]).toBe(3);
  });
  it('the SDK path applies them to spans', async () => {
    const c = withFile('span_attribute_count_limit = 100', {
      OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '2',
      OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4',
      OTEL_SPAN_EVENT_COUNT_LIMIT: '1',
    });
    const t = await createTelemetry(c, { registerGlobal: false, logger: silent });
    try {
      const span = t.tracer.startSpan('limited');
      span.setAttributes({ a: 'abcdefgh', b: 'x', c: 'y' });
      span.addEvent('e1');
      span.addEvent('e2');
      span.end();
      await t.forceFlush();
      const id = (await t.query.findTraces({ name: 'limited' })).items[0]!.traceId;
      const [s] = (await t.query.getTrace(id))!;
      expect(s!.attributes).toEqual({ a: 'abcd', b: 'x' });
      expect(s!.droppedAttributesCount).toBe(1);
      expect(s!.events).toHaveLength(1);
    } finally {
      await t.shutdown();
    }
  });
});

describe('OTEL_LOG_LEVEL', () => {
  it('beats log_level in the file and filters the diagnostics, on stderr', () => {
    const c = withFile('log_level = "debug"', { OTEL_LOG_LEVEL: 'ERROR' });
    expect(c.log_level).toBe('error');
    warnings.length = 0;
    captureStderr(() => {
      const l = leveledLogger(c.log_level);
      l.warn('w');
      l.info('i');
      l.error('e');
    });
    expect(warnings).toEqual(['e\n']);
  });
});

describe('OTEL_NODE_ENABLED_INSTRUMENTATIONS', () => {
  it('beats instrumentations in the file', () => {
    const c = withFile('instrumentations = ["http"]', { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, undici,express' });
    expect(c.instrumentations).toEqual(['http', 'undici', 'express']);
  });
});
