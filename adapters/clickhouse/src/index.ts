export { createAdapter } from './adapter.js';
export { createStatements, lookupViewStatement, TABLES } from './migrations.js';
export { optionsSchema } from './options.js';
export type { ClickHouseOptions } from './types.js';
