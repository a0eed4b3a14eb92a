// The rohas-telemetry command: every verb against real SQLite files, exit codes, --help per verb, and `serve` as a
// real process receiving OTLP and stopping cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, main } from '../src/cli.js';
import { traceRequestJson } from './support/payloads.js';

let dir: string;
const configs: Record<string, string> = {};

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}
async function run(...argv: string[]) {
  const r = io();
  const code = await main(argv, r.io);
  return { code, out: r.out.join('\n'), err: r.err.join('\n') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rohas-cli-'));
  for (const name of ['a', 'b', 'c']) {
    configs[name] = join(dir, `${name}.toml`);
    writeFileSync(configs[name]!, `[telemetry]\ntype = "sqlite"\npath = "${join(dir, name)}"\nretention_days = 0\n`);
  }
  writeFileSync(join(dir, 'bad.toml'), '[telemetry]\ntype = 42\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rohas-telemetry', () => {
  it('prints help for the command and every verb, exit 0', async () => {
    expect((await run('--help')).out).toMatch(/Commands:/);
    for (const verb of ['serve', 'query', 'retention', 'migrate', 'export', 'import', 'copy', 'doctor']) {
      const r = await run(verb, '--help');
      expect(r.code, verb).toBe(EXIT.OK);
      expect(r.out, verb).toMatch(/^Usage: rohas-telemetry/);
    }
  });

  it('exits 2 on bad usage and 3 on a bad or missing config', async () => {
    expect((await run('frobnicate')).code).toBe(EXIT.USAGE);
    expect((await run('query', 'spans', '--config', configs.a!)).code).toBe(EXIT.USAGE);
    expect((await run('query', 'traces', '--bogus')).code).toBe(EXIT.USAGE);
    expect((await run('query', 'traces', '--start', 'yesterday', '--config', configs.a!)).code).toBe(EXIT.USAGE);
    expect((await run('copy', '--from', configs.a!)).code).toBe(EXIT.USAGE);
    expect((await run('import')).code).toBe(EXIT.USAGE);
    const missing = await run('doctor', '--config', join(dir, 'missing.toml'));
    expect(missing.code).toBe(EXIT.CONFIG);
    expect(missing.err).toContain('missing.toml');
    const bad = await run('doctor', '--config', join(dir, 'bad.toml'));
    expect(bad.code).toBe(EXIT.CONFIG);
    expect(bad.err).toContain('bad.toml');
  });

  it('migrates, passes doctor, imports OTLP JSON lines, queries, exports and copies between backends', async () => {
    expect((await run('migrate', '--config', configs.a!)).code).toBe(EXIT.OK);
    const doctor = await run('doctor', '--config', configs.a!);
    expect(doctor.code).toBe(EXIT.OK);
    expect(doctor.out).toMatch(/traces: sqlite/);
    // doctor names the store it opened; a path that held no store is reported (here: migrate created it, so no).
    expect(doctor.out).toContain(join(dir, 'a', 'telemetry.db'));
    expect(doctor.err).not.toMatch(/no store at/);
    const typo = join(dir, 'typo.toml');
    writeFileSync(typo, `[telemetry]\ntype = "sqlite"\npath = "${join(dir, 'a-typo')}"\n`);
    expect((await run('doctor', '--config', typo)).err).toMatch(/no store at .*a-typo.*telemetry\.db before this run/);

    // A file as the Collector's file exporter writes it: one Export*ServiceRequest per line.
    const now = BigInt(Date.now()) * 1_000_000n;
    const file = join(dir, 'in.jsonl');
    const traces = traceRequestJson('cli-svc', 3);
    const logs = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cli-svc' } }] },
          scopeLogs: [
            { logRecords: [{ timeUnixNano: String(now), severityNumber: 17, body: { stringValue: 'it broke' } }] },
          ],
        },
      ],
    };
    const metrics = {
      resourceMetrics: [
        {
          scopeMetrics: [
            { metrics: [{ name: 'cli.gauge', gauge: { dataPoints: [{ timeUnixNano: String(now), asDouble: 3.5 }] } }] },
          ],
        },
      ],
    };
    writeFileSync(file, `${JSON.stringify(traces)}\n\n${JSON.stringify(logs)}\n${JSON.stringify(metrics)}\n`);
    const imported = await run('import', file, '--config', configs.a!);
    expect(imported.code, imported.err).toBe(EXIT.OK);
    expect(imported.out).toBe('imported 3 spans in 1 trace, 1 log record, 1 metric point in 1 series');

    const table = await run('query', 'traces', '--service', 'cli-svc', '--config', configs.a!);
    expect(table.out).toMatch(/TRACE ID\s+START/);
    expect(table.out).toContain('cli-svc');
    const json = await run('query', 'traces', '--json', '--attr', 'n=1', '--config', configs.a!);
    expect(JSON.parse(json.out).items).toHaveLength(1);
    const errs = await run('query', 'logs', '--min-severity', 'ERROR', '--json', '--config', configs.a!);
    expect(JSON.parse(errs.out).items[0].body).toBe('it broke');
    const list = await run('query', 'metrics', '--config', configs.a!);
    expect(list.out).toContain('cli.gauge');

    const out = join(dir, 'out.jsonl');
    const exported = await run('export', '--out', out, '--start', 'now-1h', '--end', 'now+1m', '--config', configs.a!);
    expect(exported.code, exported.err).toBe(EXIT.OK);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.map((l) => Object.keys(JSON.parse(l))[0]).sort()).toEqual([
      'resourceLogs',
      'resourceMetrics',
      'resourceSpans',
    ]);
    expect((await run('import', out, '--config', configs.b!)).code).toBe(EXIT.OK);
    const traceId = JSON.parse(json.out).items[0].traceId;
    const again = await run('query', 'traces', '--json', '--config', configs.b!);
    expect(JSON.parse(again.out).items.map((t: { traceId: string }) => t.traceId)).toContain(traceId);

    const copied = await run('copy', '--from', configs.a!, '--to', configs.c!, '--start', 'now-1h', '--end', 'now+1m');
    expect(copied.code, copied.err).toBe(EXIT.OK);
    expect(copied.out).toMatch(/^copied 3 spans in 1 trace, 1 log record, 1 metric point in 1 series from /);
    const inC = await run('query', 'logs', '--json', '--config', configs.c!);
    expect(JSON.parse(inC.out).items[0].body).toBe('it broke');
    expect((await run('retention', 'run', '--config', configs.c!)).code).toBe(EXIT.OK);
  });

  it('serves OTLP as a process and stops cleanly on SIGTERM, keeping what it received', async () => {
    const require = createRequire(import.meta.url);
    const tsx = require.resolve('tsx');
    const child = spawn(
      process.execPath,
      [
        '--import',
        tsx,
        '--conditions=@rohas/source',
        resolve(__dirname, '../src/cli.ts'),
        'serve',
        '--config',
        configs.c!,
        '--port',
        '0',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    let stdout = '';
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`serve did not start: ${output}`)), 30_000);
      // Status lines are diagnostics: they come on stderr, and stdout stays empty.
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => {
        output += c.toString();
        const m = /listening on (http:\/\/[^\s]+)/.exec(output);
        if (m) clearTimeout(timer), res(m[1]!);
      });
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      body: JSON.stringify(traceRequestJson('served-svc', 2)),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, output).toBe(0);
    expect(stdout).toBe('');
    const after = await run('query', 'traces', '--service', 'served-svc', '--json', '--config', configs.c!);
    expect(JSON.parse(after.out).items).toHaveLength(1);
  }, 60_000);
});
