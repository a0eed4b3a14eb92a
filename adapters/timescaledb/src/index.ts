export { createAdapter } from './adapter.js';
export { loadMigrations, lockKey, migrationsDir } from './migrations.js';
export { defaults, optionsSchema } from './options.js';
export type { StorageMode, TimescaleOptions } from './types.js';
