/*
 * kill -9 of `rohas-telemetry serve` under load (SQLite and PostgreSQL): every span that got 200 is there after a
 * restart. Clients send requests of 20 spans (one trace each) as fast as the server answers; at a random moment in
 * the load the server is SIGKILLed; a new server on the same store must serve every acknowledged trace whole.
 * Five short runs a backend; losses must be 0 (ack after commit, the default). Run: npx vitest run
 * integration-tests/test/kill-serve.test.ts — and ROHAS_KILL_TEST_ACK=queued shows the contrast (the test then fails:
 * acknowledged spans still in memory die with the process).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { describeBackend } from '../src/inject-backends.js';

const here = dirname(fileURLToPath(import.meta.url));
const cliSource = resolve(here, '../../packages/server/src/cli.ts');
const tsx = createRequire(import.meta.url).resolve('tsx');
const RUNS = 5;
const ACK = `\n[telemetry.server]\nack = "${process.env.ROHAS_KILL_TEST_ACK ?? 'committed'}"\n`;
const CLIENTS = 8;
const SPANS_PER_REQUEST = 20;
const hex = (n: number) => randomBytes(n).toString('hex');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function serve(config: string): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(
    process.execPath,
    ['--import', tsx, '--conditions=@rohas/source', cliSource, 'serve', '--config', config, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve did not start: ${output}`)), 60_000);
    child.once('exit', (code) => rej(new Error(`serve exited with ${code}: ${output}`)));
    // The "listening on" line is a diagnostic (stderr); stdout is read too for older builds.
    const onData = (c: Buffer) => {
      output += c.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  return { url, child, output: () => output };
}

function request(service: string, traceId: string): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'kill-test' },
            spans: Array.from({ length: SPANS_PER_REQUEST }, (_, i) => ({
              traceId,
              spanId: hex(8),
              name: `op-${i}`,
              kind: 2,
              startTimeUnixNano: String(now + BigInt(i)),
              endTimeUnixNano: String(now + BigInt(i) + 1_000_000n),
              attributes: [{ key: 'i', value: { intValue: String(i) } }],
            })),
          },
        ],
      },
    ],
  });
}

/** One run: load, SIGKILL at a random moment, restart, count acknowledged traces that are missing or short. */
async function killRun(config: string, run: number): Promise<{ acked: number; lost: number; traces: string[] }> {
  const service = `kill-${hex(3)}-${run}`;
  const first = await serve(config);
  const acked: string[] = [];
  let killed = false;
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (!killed) {
      const traceId = hex(16);
      try {
        const res = await fetch(`${first.url}/v1/traces`, {
          method: 'POST',
          body: request(service, traceId),
          headers: { 'content-type': 'application/json' },
        });
        await res.arrayBuffer();
        if (res.status === 200) acked.push(traceId);
      } catch {
        // The connection died with the server: not acknowledged, nothing promised.
      }
    }
  });
  await new Promise((r) => setTimeout(r, 1500 + Math.random() * 2000));
  first.child.kill('SIGKILL');
  killed = true;
  await new Promise((r) => first.child.once('exit', r));
  await Promise.all(clients);

  const second = await serve(config);
  let lost = 0;
  try {
    for (const traceId of acked) {
      const res = await fetch(`${second.url}/telemetry/traces/${traceId}`);
      const body = res.status === 200 ? ((await res.json()) as { spans?: unknown[] }) : { spans: [] };
      if ((body.spans?.length ?? 0) !== SPANS_PER_REQUEST) lost++;
    }
  } finally {
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  }
  return { acked: acked.length, lost, traces: acked };
}

function killTests(name: string, config: () => string): void {
  it(`${name}: every span answered 200 survives kill -9 (${RUNS} runs)`, async () => {
    const path = config();
    const results: Array<{ acked: number; lost: number }> = [];
    for (let run = 0; run < RUNS; run++) results.push(await killRun(path, run));
    console.info(
      `[rohas-telemetry] [kill-test] ${name}: ${results.map((r) => `${r.lost} lost of ${r.acked} acked traces`).join('; ')}`,
    );
    for (const r of results) expect(r.acked).toBeGreaterThan(0);
    expect(results.map((r) => r.lost)).toEqual(results.map(() => 0));
  }, 600_000);
}

describe('kill -9 of rohas-telemetry serve: SQLite', () => {
  killTests('sqlite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rohas-kill-'));
    dirs.push(dir);
    const path = join(dir, 'rohas.toml');
    writeFileSync(path, `[telemetry]\ntype = "sqlite"\npath = "${join(dir, 'db')}"\nretention_days = 0\n${ACK}`);
    return path;
  });
});

describeBackend('postgres', 'kill -9 of rohas-telemetry serve: PostgreSQL', (pg) => {
  killTests('postgresql', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rohas-kill-pg-'));
    dirs.push(dir);
    const path = join(dir, 'rohas.toml');
    writeFileSync(
      path,
      `[telemetry]\ntype = "timescaledb"\nconnection_string = "${pg.url}"\nschema = "kill_${hex(4)}"\nretention_days = 0\n${ACK}`,
    );
    return path;
  });
});
