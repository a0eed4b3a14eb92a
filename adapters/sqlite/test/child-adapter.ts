// The adapter the child-process scripts of these tests open (close-child.ts, crash-writer.ts, unclonable-child.ts):
// traces only, no retention, at the folder given as their first argument.
import { consoleLogger } from '@rohas/telemetry';
import { createAdapter } from '../src/index.js';

export async function openChildAdapter(dir: string) {
  const adapter = await createAdapter({
    options: { type: 'sqlite', path: dir },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces'],
    logger: consoleLogger,
    baseDir: dir,
  });
  await adapter.init();
  return adapter;
}
