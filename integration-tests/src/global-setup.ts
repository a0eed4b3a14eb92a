/**
 * vitest globalSetup of the `integration` project: starts every backend once for the whole run (in
 * parallel), provides their connection info to tests (`inject('backends')`), and stops them at the
 * end — also when tests fail or the run is interrupted — printing a summary of where each came from.
 */
import type { TestProject } from 'vitest/node';
import type { Cleanup } from './backends/cleanup.js';
import { formatSummary, readSettings, resolveBackends } from './backends/index.js';
import { backendError, COMPONENT } from './backends/process-utils.js';
import './inject-backends.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_CODES: Record<(typeof SIGNALS)[number], number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const settings = readSettings(process.env);
  const log = (m: string) => console.log(`${COMPONENT} ${m}`);
  log(
    `starting backends: ${settings.selected.join(', ')} (data and logs under ${settings.env.ROHAS_TEST_TMPDIR || 'the temp folder'})`,
  );

  // vitest exits on SIGINT/SIGTERM without calling teardowns, so stop the servers from the signal
  // itself (synchronously: signals only; the reaper process removes the folders once they are gone).
  // Installed before the first server starts, so an interrupted start-up leaves nothing behind.
  let cleanupRef: Cleanup | undefined;
  const onSignal = (signal: (typeof SIGNALS)[number]) => {
    console.error(`${COMPONENT} ${signal}: stopping the test servers`);
    cleanupRef?.emergencyStop();
    // When nothing else handles the signal, keep its default meaning (exit).
    if (process.listenerCount(signal) <= 1) process.exit(128 + SIGNAL_CODES[signal]);
  };
  const handlers = SIGNALS.map((s) => [s, () => onSignal(s)] as const);
  const onExit = () => cleanupRef?.emergencyStop();
  const removeHandlers = () => {
    for (const [s, h] of handlers) process.off(s, h);
    process.off('exit', onExit);
  };

  let resolved: Awaited<ReturnType<typeof resolveBackends>>;
  try {
    resolved = await resolveBackends(settings, log, (c) => {
      cleanupRef = c;
      for (const [s, h] of handlers) process.on(s, h);
      process.on('exit', onExit);
    });
  } catch (err) {
    await cleanupRef?.stopAll();
    removeHandlers();
    throw err;
  }
  const { cleanup } = resolved;

  console.log(formatSummary(resolved, 'start'));

  if (resolved.requiredMissing.length) {
    const errors = await cleanup.stopAll();
    removeHandlers();
    const detail = resolved.requiredMissing
      .map((n) => `  ${n}: ${resolved.status.missing[n]?.reason}\n    to get it: ${resolved.status.missing[n]?.hint}`)
      .join('\n');
    throw backendError(
      `CI=true and ${resolved.requiredMissing.length} backend(s) are missing (list optional ones in ROHAS_TEST_OPTIONAL):\n${detail}${
        errors.length ? `\nwhile stopping: ${errors.join('; ')}` : ''
      }`,
    );
  }

  project.provide('backends', resolved.info);
  project.provide('backendsStatus', resolved.status);

  return async () => {
    const t0 = Date.now();
    const errors = await cleanup.stopAll();
    removeHandlers();
    console.log(formatSummary(resolved, 'end'));
    console.log(`${COMPONENT} stopped every test server in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (errors.length) console.error(`${COMPONENT} problems while stopping servers:\n  ${errors.join('\n  ')}`);
  };
}
