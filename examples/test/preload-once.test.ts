// Regression: a preload that opens the SQLite store used to run again in the SQLite writer thread, which opened the
// store and started another thread, and so on (14 nested preloads in 10 s, then killed). Worker threads the project
// starts now get execArgv and NODE_OPTIONS without preloads (core's workerExecArgv / workerEnv).
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, openStore, runNode, tempDir } from './support/child.js';

const tmp = tempDir('preload');
afterAll(() => tmp.remove());
const setup = join('test', 'fixtures', 'preload-setup.mjs');
const app = join('test', 'fixtures', 'preload-app.mjs');

async function storedSpans(path: string): Promise<number> {
  const store = await openStore(path);
  try {
    const page = await store.query.findTraces({ name: 'preload-app-span', limit: 10 });
    return page.items.length;
  } finally {
    await store.shutdown();
  }
}

describe('a preload that opens the SQLite store runs once and the app exits by itself', () => {
  it.each([
    ['--import', (file: string) => ({ args: ['--import', `./${setup}`, app], env: { ROHAS_TELEMETRY_PATH: file } })],
    [
      'NODE_OPTIONS=--import',
      (file: string) => ({ args: [app], env: { ROHAS_TELEMETRY_PATH: file, NODE_OPTIONS: `--import=./${setup}` } }),
    ],
    [
      'NODE_OPTIONS with a quoted path and another flag',
      (file: string) => ({
        args: [app],
        env: { ROHAS_TELEMETRY_PATH: file, NODE_OPTIONS: `--no-warnings --import "./${setup}"` },
      }),
    ],
  ])('%s', async (label, make) => {
    const file = join(tmp.dir, `${label.replace(/\W+/g, '-')}.db`);
    const { args, env } = make(file);
    const r = await runNode(args, { env: childEnv(env), timeoutMs: 30_000 });
    expect(r.stderr.match(/preload ran in thread/g) ?? [], r.stderr).toHaveLength(1);
    expect(r.stderr).toContain('preload ran in thread 0');
    expect(r.stderr).toContain('app done');
    expect(r.code, r.stderr).toBe(0);
    expect(await storedSpans(file)).toBe(1);
  });
});
