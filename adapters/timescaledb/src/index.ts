export { createAdapter } from './adapter.js';
export { loadMigrations, lockKey, migrationsDir } from './migrations.js';
export type { StorageMode, TimescaleOptions } from './types.js';
