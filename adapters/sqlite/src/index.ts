import type { AdapterFactory } from '@rohas/telemetry/adapter';
import { SqliteAdapter } from './sqlite-adapter.js';

export { attributeHash, attributeToken } from './attr-hash.js';
export { migrate } from './connection.js';
export { defaults, optionsSchema } from './options.js';
export { databaseFile, SqliteAdapter } from './sqlite-adapter.js';
export { SqliteWriter } from './sqlite-writer.js';
export type { SqliteOptions } from './types.js';

/** The factory the core registry calls for `type = "sqlite"`. */
export const createAdapter: AdapterFactory = (context) => new SqliteAdapter(context);
