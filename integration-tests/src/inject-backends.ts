/**
 * Typed access, from test files, to the servers the `integration` project's globalSetup started.
 *
 *   import { backend, describeBackend } from '../src/inject-backends.js';
 *   describeBackend('postgres', 'timescaledb adapter on plain PostgreSQL', (pg) => { ...pg.url... });
 *
 * A missing backend skips its tests loudly (a console warning plus a skipped describe in the
 * report), and fails them under CI=true unless the backend is listed in ROHAS_TEST_OPTIONAL.
 */

import { where } from '@rohas/telemetry/adapter';
import { describe, inject, it } from 'vitest';
import type { BackendName, BackendsInfo, BackendsStatus } from './types.js';

export type * from './types.js';

declare module 'vitest' {
  export interface ProvidedContext {
    backends: BackendsInfo;
    backendsStatus: BackendsStatus;
  }
}

const COMPONENT = where('integration-tests');

/** Everything provided (absent keys = backends this run could not provide). */
export function backends(): BackendsInfo {
  return inject('backends') ?? {};
}

/** Why backends are missing, whether the run is CI, and the Prometheus probe target. */
export function backendsStatus(): BackendsStatus | undefined {
  return inject('backendsStatus');
}

const warned = new Set<string>();

/**
 * The connection info of one backend, or undefined after printing why it is missing and how to get
 * it. Under CI=true a missing backend that is not optional throws instead, so the test file fails.
 */
export function backend<K extends BackendName>(name: K): NonNullable<BackendsInfo[K]> | undefined {
  const info = backends()[name];
  if (info) return info as NonNullable<BackendsInfo[K]>;
  const status = backendsStatus();
  const missing = status?.missing[name];
  const why = status
    ? (missing?.reason ?? 'not provided')
    : 'the integration globalSetup did not run (run the tests through the `integration` vitest project)';
  const message = `${COMPONENT} SKIPPING ${name} tests: ${why}${missing?.hint ? `\n  to get it: ${missing.hint}` : ''}`;
  const ci = status?.ci ?? process.env.CI === 'true';
  if (ci && !status?.optional.includes(name))
    throw new Error(`${message}\n  (CI=true: a missing backend fails the run)`);
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(message);
  }
  return undefined;
}

/**
 * `describe(title, ...)` with the backend's info, or a skipped describe (visible in the report) when
 * the backend is missing — see {@link backend} for CI.
 */
export function describeBackend<K extends BackendName>(
  name: K,
  title: string,
  body: (info: NonNullable<BackendsInfo[K]>) => void,
): void {
  const info = backend(name);
  if (info) {
    describe(title, () => body(info));
  } else {
    // Reached only outside CI, or for a backend CI lists as optional (InfluxDB 2.x without Docker): `backend()`
    // throws under CI=true otherwise. The skipped describe carries the reason into the test report.
    const status = backendsStatus();
    const why = status?.missing[name]?.reason ?? 'not provided';
    // A backend the run named in ROHAS_TEST_OPTIONAL (the only way a missing one is skipped under CI=true): say so.
    const declared = status?.declaredOptional.includes(name) ? '; declared not run here by ROHAS_TEST_OPTIONAL' : '';
    describe.skip(`${title} [${name} not available: ${why}${declared}]`, () => {
      it(`needs ${name}`, () => {});
    });
  }
}
