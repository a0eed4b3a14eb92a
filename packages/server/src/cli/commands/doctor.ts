import { DEFAULT_HOST, DEFAULT_PORT } from '../../server.js';
import type { ServerStorage } from '../../types.js';
import { type Command, configFrom, EXIT, helped, open, parse } from '../support.js';

export const DOCTOR_HELP = `Usage: rohas-telemetry doctor [--config rohas.toml]

Checks the configuration, opens the backend(s), runs their health checks and prints what each signal is stored in
and where. Exits 1 when a backend does not answer.`;

export const doctor: Command = async (args, io) => {
  const { values } = parse(args, { json: { type: 'boolean' } });
  if (helped(values, io, DOCTOR_HELP)) return EXIT.OK;
  const config = configFrom(values.config);
  io.out(`config: ${config.source ?? 'defaults (no rohas.toml found)'}; type = ${config.type}`);
  let storage: ServerStorage;
  try {
    storage = await open(config, io);
  } catch (error) {
    io.err(`backend: FAILED to open: ${(error as Error).message}`);
    return EXIT.FAILURE;
  }
  try {
    const health = await storage.health();
    io.out(`backend: ${health.ok ? 'ok' : 'NOT OK'}: ${health.message}`);
    for (const [signal, backend] of Object.entries(health.signals)) io.out(`  ${signal}: ${backend}`);
    if (config.server)
      io.out(
        `server: ${config.server.host ?? DEFAULT_HOST}:${config.server.port ?? DEFAULT_PORT}${config.server.token ? ', token set' : ''}`,
      );
    return health.ok ? EXIT.OK : EXIT.FAILURE;
  } finally {
    await storage.shutdown();
  }
};
