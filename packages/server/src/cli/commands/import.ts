import { existsSync, statSync } from 'node:fs';
import { ingestBatch, readOtlpFile } from '../../data-move.js';
import { startProgress } from '../progress.js';
import { type Command, configFrom, EXIT, helped, parse, UsageError, withStorage } from '../support.js';
import { Tally } from '../tally.js';

export const IMPORT_HELP = `Usage: rohas-telemetry import <file.jsonl>... [--config rohas.toml]

Reads OTLP/JSON lines (as written by export, or by the OpenTelemetry Collector's / SDK file exporters; - reads
stdin) and writes them to the configured backend. Waits while the write queue is full; never drops. The final count
goes to stdout, progress and warnings to stderr.`;

export const importCommand: Command = async (args, io) => {
  const { values, positionals } = parse(args, {}, true);
  if (helped(values, io, IMPORT_HELP)) return EXIT.OK;
  if (positionals.length === 0) throw new UsageError('give at least one file (or - for stdin)');
  for (const f of positionals) if (f !== '-' && !existsSync(f)) throw new UsageError(`no such file ${f}`);
  const totalBytes = positionals.reduce((n, f) => n + (f === '-' ? 0 : statSync(f).size), 0);
  return withStorage(configFrom(values.config), io, async (storage) => {
    const tally = new Tally();
    const progress = startProgress(io, 'import');
    let bytesBefore = 0;
    try {
      for (const file of positionals) {
        let bytes = 0;
        for await (const batch of readOtlpFile(file === '-' ? process.stdin : file, file, (n) => {
          bytes = n;
        })) {
          const r = await ingestBatch(storage, batch);
          tally.add(batch, r.written);
          tally.refused += r.refused;
          if (r.refused > 0) io.err(`warning: ${r.refused} ${batch.signal} refused (${r.reason ?? 'unknown'})`);
          progress.update(tally.items, totalBytes > 0 ? (bytesBefore + bytes) / totalBytes : undefined);
        }
        bytesBefore += bytes;
      }
      await storage.forceFlush();
    } finally {
      progress.done();
    }
    io.out(`imported ${tally.describe()}${tally.refused > 0 ? `; ${tally.refused} refused` : ''}`);
    return tally.refused > 0 ? EXIT.FAILURE : EXIT.OK;
  });
};
