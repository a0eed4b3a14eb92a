import { type OptionsSchema, optionDefaults } from '@rohas/telemetry/adapter';

/** The keys `type = "custom"` reads from `[telemetry]` (or `[telemetry.<signal>]`). */
export interface CustomOptions {
  /** Folder of the JSON-lines files, relative to the config file. Default `.rohas/custom`. */
  custom_dir?: string;
}

/**
 * The adapter's own keys as JSON Schema with defaults. Handed to registerAdapter() so the core's loadConfig checks
 * them like a built-in adapter's keys (file, line, key and what is allowed), and read back with readOptions().
 */
export const optionsSchema: OptionsSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: '@rohas/example-custom-adapter options',
  type: 'object',
  properties: {
    custom_dir: {
      type: 'string',
      minLength: 1,
      default: '.rohas/custom',
      description: 'Folder of the JSON-lines files, relative to the config file.',
    },
  },
};

export const defaults: Partial<CustomOptions> = optionDefaults<CustomOptions>(optionsSchema);
