import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { batchToOtlpLine, readWindow } from '../../data-move.js';
import { startProgress } from '../progress.js';
import { type Command, configFrom, EXIT, helped, type Io, parse, withStorage } from '../support.js';
import { Tally } from '../tally.js';
import { HOUR, WINDOW_OPTIONS, windowFrom } from './move-options.js';

export const EXPORT_HELP = `Usage: rohas-telemetry export [--out file.jsonl] [--start now-1h] [--end now] [--signals traces,logs,metrics] [--step 1m]

Writes one OTLP/JSON Export*ServiceRequest per line (stdout unless --out); progress and the final count go to stderr.
Traces and logs are exported whole. Metrics are exported as stored points when the backend can read them back raw;
otherwise they are read through the query API as one point per series and --step bucket (last value), without
resource attributes, and histograms are skipped with a warning.`;

export const exportCommand: Command = async (args, io) => {
  const { values } = parse(args, { out: { type: 'string', short: 'o' }, ...WINDOW_OPTIONS });
  if (helped(values, io, EXPORT_HELP)) return EXIT.OK;
  const window = windowFrom(values, HOUR);
  return withStorage(configFrom(values.config), io, async (storage) => {
    const sink = lineSink(io, values.out);
    const tally = new Tally();
    const progress = startProgress(io, 'export');
    try {
      for await (const batch of readWindow(storage, { ...window, warn: (m) => io.err(`warning: ${m}`) })) {
        await sink.write(batchToOtlpLine(batch));
        tally.add(batch);
        progress.update(tally.items);
      }
    } finally {
      progress.done();
      await sink.end();
    }
    io.err(`exported ${tally.describe()}`);
    return EXIT.OK;
  });
};

/** Where the lines go: a file (--out), stdout with back-pressure (the real CLI), or io.out (tests). */
function lineSink(io: Io, out: string | undefined): { write(line: string): Promise<void>; end(): Promise<void> } {
  const stream: Writable | undefined = out ? createWriteStream(out) : io.stdout;
  if (!stream) return { write: async (line) => io.out(line), end: async () => {} };
  return {
    write: (line) =>
      new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        stream.once('error', onError);
        const more = stream.write(`${line}\n`, (e) => {
          stream.off('error', onError);
          if (e) reject(e);
          else if (more) resolve();
        });
        if (!more) stream.once('drain', resolve);
      }),
    end: () => (out ? new Promise<void>((resolve) => stream.end(resolve)) : Promise.resolve()),
  };
}
