// `rohas-telemetry import` and `export` of a 300,000-span OTLP/JSON file, through the CLI's own entry (main(), in
// process), on SQLite and PostgreSQL; each figure is a ratio to the raw limit of the same bytes measured in the same
// round: reading and parsing every line of the file (import) and serialising and writing the same lines (export).
//
//   nice -n 10 node --conditions=@rohas/source --import tsx bench/cli/run.ts [--spans 300000] [--rounds 3]
//     [--backends sqlite,postgres] [--url postgres://...]
//
// Without --url a throwaway PostgreSQL (Debian's, plain mode) is started and removed afterwards. Each round imports
// into a new empty store (a new SQLite file, a new PostgreSQL schema), then exports it whole.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { main } from '../../packages/server/src/cli.js';
import { batchToOtlpLine } from '../../packages/server/src/data-move.js';
import { benchSpans, hex, T0 } from '../support/spans.js';
import { median } from '../support/stats.js';
import { startPostgres } from '../timescaledb/own-postgres.js';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '300000' },
    rounds: { type: 'string', default: '3' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    url: { type: 'string' },
  },
});
const SPANS = Number(args.spans);
const ROUNDS = Number(args.rounds);
const backends = args.backends!.split(',');
const dir = mkdtempSync(join(tmpdir(), 'rohas-bench-cli-'));
const input = join(dir, 'in.jsonl');

// The input: 1,000 spans a line, as `export` writes them.
{
  const lines: string[] = [];
  for (let i = 0; i < SPANS; i += 1000)
    lines.push(
      batchToOtlpLine({
        signal: 'traces',
        items: benchSpans(Math.min(1000, SPANS - i), { offset: i, traceId: (t) => hex(t + 1, 32) }),
      }),
    );
  writeFileSync(input, `${lines.join('\n')}\n`);
}
const bytes = statSync(input).size;
console.error(`[bench/cli] ${SPANS} spans, ${(bytes / 1e6).toFixed(1)} MB of OTLP/JSON in ${input}`);

/** The raw limit of import: read every line of the file and JSON.parse it (no conversion, no storage). */
async function rawRead(): Promise<{ ms: number; parsed: unknown[] }> {
  const t = performance.now();
  const parsed: unknown[] = [];
  const lines = createInterface({ input: createReadStream(input, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) if (line) parsed.push(JSON.parse(line));
  return { ms: performance.now() - t, parsed };
}

/** The raw limit of export: JSON.stringify the same messages and write them to a file. */
async function rawWrite(parsed: unknown[]): Promise<number> {
  const t = performance.now();
  const out = createWriteStream(join(dir, 'raw-out.jsonl'));
  for (const m of parsed)
    if (!out.write(`${JSON.stringify(m)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(r));
  return performance.now() - t;
}

async function cli(argv: string[]): Promise<{ ms: number; err: string }> {
  const err: string[] = [];
  const t = performance.now();
  const code = await main(argv, { out: (s) => err.push(s), err: (s) => err.push(s) });
  const ms = performance.now() - t;
  if (code !== 0) throw new Error(`rohas-telemetry ${argv.join(' ')} exited ${code}: ${err.join('\n')}`);
  return { ms, err: err.join('\n') };
}

const pg = backends.includes('postgres') && !args.url ? await startPostgres() : undefined;
const pgUrl = args.url ?? pg?.url;

interface Row {
  backend: string;
  importMs: number[];
  exportMs: number[];
  readMs: number[];
  writeMs: number[];
}
const rows: Row[] = [];
try {
  for (const backend of backends) {
    const row: Row = { backend, importMs: [], exportMs: [], readMs: [], writeMs: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const id = `${backend}_${round}_${process.pid}`;
      const config = join(dir, `${id}.toml`);
      writeFileSync(
        config,
        backend === 'sqlite'
          ? `[telemetry]\ntype = "sqlite"\npath = "${join(dir, id)}"\nretention_days = 0\n`
          : `[telemetry]\ntype = "timescaledb"\nconnection_string = "${pgUrl}"\nschema = "bench_cli_${id}"\nretention_days = 0\n`,
      );
      const raw = await rawRead();
      row.readMs.push(raw.ms);
      row.writeMs.push(await rawWrite(raw.parsed));
      const imported = await cli(['import', input, '-c', config, '--quiet']);
      if (!imported.err.includes(`${SPANS.toLocaleString('en-US')} spans`))
        throw new Error(`import did not say ${SPANS} spans: ${imported.err}`);
      row.importMs.push(imported.ms);
      const out = join(dir, `${id}.out.jsonl`);
      const window = [
        '--start',
        String(T0 - 3_600_000_000_000n),
        '--end',
        String(BigInt(Date.now() + 3_600_000) * 1_000_000n),
      ];
      const exported = await cli(['export', '-c', config, '--out', out, '--quiet', ...window]);
      if (!exported.err.includes(`${SPANS.toLocaleString('en-US')} spans`))
        throw new Error(`export did not say ${SPANS} spans: ${exported.err}`);
      row.exportMs.push(exported.ms);
      console.error(
        `[bench/cli] ${backend} round ${round + 1}: import ${(imported.ms / 1000).toFixed(1)} s (raw read ${(raw.ms / 1000).toFixed(1)} s), export ${(exported.ms / 1000).toFixed(1)} s (raw write ${(row.writeMs.at(-1)! / 1000).toFixed(1)} s)`,
      );
      rmSync(out, { force: true });
    }
    rows.push(row);
  }
} finally {
  pg?.stop();
  rmSync(dir, { recursive: true, force: true });
}

// Per round, ratio = raw time ÷ command time (the command's throughput as a fraction of the raw limit's).
const fmt = (xs: number[]) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
console.log(
  `## CLI import/export of ${SPANS} spans (${(bytes / 1e6).toFixed(1)} MB), ${ROUNDS} rounds: median (min–max)`,
);
for (const r of rows) {
  const importRatio = r.importMs.map((ms, i) => r.readMs[i]! / ms);
  const exportRatio = r.exportMs.map((ms, i) => r.writeMs[i]! / ms);
  const sec = (xs: number[]) => fmt(xs.map((x) => x / 1000));
  const rate = (xs: number[]) => fmt(xs.map((x) => SPANS / x)); // spans per ms
  console.log(
    `${r.backend} import: ${sec(r.importMs)} s, ${rate(r.importMs)}k spans/s, ratio to raw read+parse ${fmt(importRatio)}`,
  );
  console.log(
    `${r.backend} export: ${sec(r.exportMs)} s, ${rate(r.exportMs)}k spans/s, ratio to raw stringify+write ${fmt(exportRatio)}`,
  );
}
