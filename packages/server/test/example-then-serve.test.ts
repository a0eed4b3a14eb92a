// The README's first-run path: `npm run example` and `npm start` run from the same folder and both default to the
// embedded SQLite store under ./.rohas/telemetry, so what the example stored is what the server then serves.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const tsx = createRequire(import.meta.url).resolve('tsx');
const cwd = mkdtempSync(join(tmpdir(), 'rohas-first-run-'));
let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill('SIGTERM');
  rmSync(cwd, { recursive: true, force: true });
});

const { ROHAS_CONFIG: _ignored, ...env } = process.env;
const node = (args: string[]) =>
  spawn(process.execPath, ['--conditions=@rohas/source', '--import', tsx, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, PORT: '0' },
  });

it('npm run example and npm start share one store: the served traces are the example service', async () => {
  const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
  // Both scripts run in the folder npm was started in (no -w / cd): the precondition of what follows.
  expect(scripts.example).toMatch(/node examples\/http-service\.mjs --demo/);
  expect(scripts.example).not.toMatch(/ -w | --workspace|\bcd /);
  expect(scripts.start).not.toMatch(/ -w | --workspace|\bcd /);

  const example = node([join(root, 'examples/http-service.mjs'), '--demo']);
  let exampleOut = '';
  example.stderr!.on('data', (b: Buffer) => (exampleOut += b.toString()));
  expect(await new Promise((r) => example.once('exit', r)), exampleOut).toBe(0);

  server = node([join(root, 'packages/server/src/cli.ts'), 'serve', '--port', '0']);
  let err = '';
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve did not start: ${err}`)), 60_000);
    server!.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
  });
  const body = (await (await fetch(`${url}/telemetry/traces?limit=100`)).json()) as {
    traces: { rootServiceName: string }[];
  };
  expect(body.traces.length).toBeGreaterThan(0);
  expect(new Set(body.traces.map((t) => t.rootServiceName))).toEqual(new Set(['users-api']));
}, 120_000);
