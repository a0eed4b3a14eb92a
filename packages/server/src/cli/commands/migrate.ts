import { type Command, configFrom, EXIT, helped, parse, withStorage } from '../support.js';

export const MIGRATE_HELP = `Usage: rohas-telemetry migrate [--config rohas.toml]

Connects to the configured backend(s) and applies pending schema migrations, then prints their health.`;

export const migrate: Command = async (args, io) => {
  const { values } = parse(args, {});
  if (helped(values, io, MIGRATE_HELP)) return EXIT.OK;
  io.progress?.('migrate: connecting and applying migrations…');
  // Opening the storage initialises every adapter once, which applies its migrations.
  return withStorage(configFrom(values.config), io, async (storage) => {
    io.progress?.('');
    const health = await storage.health();
    io.out(`migrations applied; ${health.message}`);
    return health.ok ? EXIT.OK : EXIT.FAILURE;
  });
};
