import { type Command, configFrom, EXIT, helped, json, parse, UsageError, withStorage } from '../support.js';

export const RETENTION_HELP = `Usage: rohas-telemetry retention run [--config rohas.toml] [--json]

Deletes data older than each signal's retention_days now and prints how many rows each signal lost.`;

export const retention: Command = async (args, io) => {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } }, true);
  if (helped(values, io, RETENTION_HELP)) return EXIT.OK;
  if (positionals.length === 0) {
    io.err(RETENTION_HELP);
    return EXIT.USAGE;
  }
  if (positionals[0] !== 'run' || positionals.length > 1)
    throw new UsageError(`retention: unknown action ${JSON.stringify(positionals.join(' '))}; use "retention run"`);
  return withStorage(configFrom(values.config), io, async (storage) => {
    io.progress?.('retention: deleting expired data…');
    const result = await storage.runRetention();
    io.progress?.('');
    io.out(
      values.json
        ? json(result)
        : `retention: removed ${
            Object.entries(result)
              .map(([s, n]) => `${n} ${s}`)
              .join(', ') || 'nothing'
          }`,
    );
    return EXIT.OK;
  });
};
