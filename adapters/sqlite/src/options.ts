import { createRequire } from 'node:module';
import { type OptionsSchema, optionDefaults } from '@rohas/telemetry/adapter';
import type { SqliteOptions } from './types.js';

const require = createRequire(import.meta.url);

/**
 * The keys `type = "sqlite"` reads from `[telemetry]` (or `[telemetry.<signal>]`), as JSON Schema with defaults. The
 * file is options.schema.json at the package root, also exported as `@rohas/telemetry-sqlite/options-schema`, so
 * the core's loadConfig can check a config file against it without loading the adapter.
 */
export const optionsSchema: OptionsSchema = require('../options.schema.json');

/** The defaults of the keys that have one. */
export const defaults: Partial<SqliteOptions> = optionDefaults<SqliteOptions>(optionsSchema);
