import { ingestBatch, readWindow } from '../../data-move.js';
import { startProgress } from '../progress.js';
import { type Command, configFrom, EXIT, helped, parse, UsageError, withStorage } from '../support.js';
import { Tally } from '../tally.js';
import { HOUR, WINDOW_OPTIONS, windowFrom } from './move-options.js';

export const COPY_HELP = `Usage: rohas-telemetry copy --from a.toml --to b.toml [--start now-24h] [--end now] [--signals traces,logs,metrics] [--step 1m]

Reads a time window from one backend through its adapter and writes it to another (same rules as export).`;

export const copy: Command = async (args, io) => {
  const { values } = parse(args, { from: { type: 'string' }, to: { type: 'string' }, ...WINDOW_OPTIONS });
  if (helped(values, io, COPY_HELP)) return EXIT.OK;
  if (!values.from || !values.to) throw new UsageError('--from and --to are required');
  const window = windowFrom(values, 24n * HOUR);
  const from = configFrom(values.from);
  const to = configFrom(values.to);
  return withStorage(from, io, (source) =>
    withStorage(to, io, async (target) => {
      const tally = new Tally();
      const progress = startProgress(io, 'copy');
      try {
        for await (const batch of readWindow(source, { ...window, warn: (m) => io.err(`warning: ${m}`) })) {
          const r = await ingestBatch(target, batch);
          tally.add(batch, r.written);
          tally.refused += r.refused;
          if (r.refused > 0) io.err(`warning: ${r.refused} ${batch.signal} refused (${r.reason ?? 'unknown'})`);
          progress.update(tally.items);
        }
        await target.forceFlush();
      } finally {
        progress.done();
      }
      io.out(
        `copied ${tally.describe()} from ${values.from} to ${values.to}${tally.refused > 0 ? `; ${tally.refused} refused` : ''}`,
      );
      return tally.refused > 0 ? EXIT.FAILURE : EXIT.OK;
    }),
  );
};
