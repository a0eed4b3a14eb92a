// The rohas-telemetry bin as a user's shell runs it: stdout carries only data (a first open's migration notice and
// every other diagnostic go to stderr), global options work before or after the command, a closed pipe ends
// quietly, and `export | import` moves traces and logs between stores byte for byte.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { traceRequestJson } from './support/payloads.js';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');
const cli = resolve(__dirname, '../src/cli.ts');

let dir: string;
const cfg = (name: string) => join(dir, `${name}.toml`);

/** Runs the bin in a shell (so pipes are real), returning stdout, stderr and the exit code. */
function sh(command: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      env: { ...process.env, RT: `${process.execPath} --import ${tsx} --conditions=@rohas/source ${cli}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => done({ code, out, err }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rohas-cli-streams-'));
  for (const name of ['src', 'dst', 'fresh'])
    writeFileSync(cfg(name), `[telemetry]\ntype = "sqlite"\npath = "${join(dir, name)}"\nretention_days = 0\n`);
  const file = join(dir, 'in.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) lines.push(JSON.stringify(traceRequestJson(`svc-${i % 3}`, 4)));
  writeFileSync(file, `${lines.join('\n')}\n`);
  const r = await main(['import', file, '-c', cfg('src')], { out: () => {}, err: () => {} });
  expect(r).toBe(0);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rohas-telemetry streams', () => {
  it('a first open prints its migration notice on stderr; query --json stdout is pure JSON', async () => {
    const r = await sh(`$RT query traces --json -c ${cfg('fresh')}`);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ items: [] });
    expect(r.err).toMatch(/applied migration/);
  }, 60_000);

  it('accepts global options before the command and -c before the query kind', async () => {
    const doctor = await sh(`$RT -c ${cfg('src')} doctor`);
    expect(doctor.code, doctor.err).toBe(0);
    expect(doctor.out).toMatch(/traces: sqlite/);
    const q = await sh(`$RT query -c ${cfg('src')} traces --json --limit 5`);
    expect(q.code, q.err).toBe(0);
    expect(JSON.parse(q.out).items).toHaveLength(5);
    const quiet = await sh(`$RT --quiet query traces --json -c ${cfg('src')} --limit 1`);
    expect(quiet.err).toBe('');
  }, 60_000);

  it('ends quietly with 0 when the reader of stdout goes away (export | head)', async () => {
    const r = await sh(`$RT export -c ${cfg('src')} --start now-1h --end now+1m | head -c 100 > /dev/null`);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/EPIPE|Error|at /);
  }, 60_000);

  it('export | import round-trips traces and logs byte for byte, with counts that name spans and traces', async () => {
    const window = '--start now-1h --end now+1m --signals traces,logs';
    const moved = await sh(`$RT export -c ${cfg('src')} ${window} | $RT import - -c ${cfg('dst')}`);
    expect(moved.code, moved.err).toBe(0);
    expect(moved.out.trim()).toBe('imported 120 spans in 30 traces');
    expect(moved.err).toMatch(/exported 120 spans in 30 traces/);
    const a = await sh(`$RT export -c ${cfg('src')} ${window} | sort`);
    const b = await sh(`$RT export -c ${cfg('dst')} ${window} | sort`);
    expect(a.out.length).toBeGreaterThan(1000);
    expect(b.out).toBe(a.out);
  }, 120_000);
});
