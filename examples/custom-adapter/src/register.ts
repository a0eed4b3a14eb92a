/**
 * `import '@rohas/example-custom-adapter/register'` before loadConfig() makes `type = "custom"` known, with its keys
 * checked by loadConfig like a built-in adapter's.
 */
import { registerAdapter } from '@rohas/telemetry';
import { createAdapter } from './file-adapter.js';
import { optionsSchema } from './options.js';

registerAdapter('custom', createAdapter, { optionsSchema });
