export { createAdapter } from './adapter.js';
export { createStatements, lookupViewStatement, TABLES } from './migrations.js';
export { defaults, optionsSchema } from './options.js';
export type { ClickHouseOptions } from './types.js';
