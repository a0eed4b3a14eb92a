// Which instrumentations the register path builds: HTTP server spans from the lean rohas-http-server unless a list
// leaves it out or OTEL_NODE_DISABLED_INSTRUMENTATIONS names it; instrumentation-http then makes client spans only.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { planInstrumentations } from '../src/zero-code.js';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const saved = { ...process.env };
afterEach(() => {
  for (const k of ['OTEL_NODE_ENABLED_INSTRUMENTATIONS', 'OTEL_NODE_DISABLED_INSTRUMENTATIONS']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

function plan(enabled?: string, disabled?: string) {
  if (enabled === undefined) delete process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS;
  else process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = enabled;
  if (disabled === undefined) delete process.env.OTEL_NODE_DISABLED_INSTRUMENTATIONS;
  else process.env.OTEL_NODE_DISABLED_INSTRUMENTATIONS = disabled;
  const config = loadConfig(undefined, { env: process.env });
  const made = planInstrumentations(config, logger).create();
  return made.map((i) => ({
    name: i.instrumentationName,
    incoming: !(i.getConfig() as { disableIncomingRequestInstrumentation?: boolean })
      .disableIncomingRequestInstrumentation,
  }));
}

const http = '@opentelemetry/instrumentation-http';
const names = (made: ReturnType<typeof plan>) => made.map((i) => i.name);
const httpIncoming = (made: ReturnType<typeof plan>) => made.find((i) => i.name === http)?.incoming;

// From the repo, @opentelemetry/auto-instrumentations-node resolves (the bench and the examples install it), so the
// plan may be the auto set or the http + undici one: the checks hold for both.
describe('planInstrumentations: HTTP server spans', () => {
  it('by default: rohas-http-server first, instrumentation-http for client spans only', () => {
    const made = plan();
    expect(made[0]).toEqual({ name: 'rohas-http-server', incoming: true });
    expect(httpIncoming(made)).toBe(false);
    expect(names(made)).toContain('@opentelemetry/instrumentation-undici');
  }, 60_000);
  it('a list naming it keeps it; a list without it gives instrumentation-http its server spans back', () => {
    const kept = plan('rohas-http-server,http');
    expect(names(kept)).toEqual(['rohas-http-server', http]);
    expect(httpIncoming(kept)).toBe(false);
    const back = plan('http,undici');
    expect(names(back)).toEqual([http, '@opentelemetry/instrumentation-undici']);
    expect(httpIncoming(back)).toBe(true);
  });
  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS=rohas-http-server turns it off; a list of it alone makes server spans only', () => {
    const off = plan('http,undici', 'rohas-http-server');
    expect(names(off)).not.toContain('rohas-http-server');
    expect(httpIncoming(off)).toBe(true);
    expect(names(plan('rohas-http-server'))).toEqual(['rohas-http-server']);
  });
});
