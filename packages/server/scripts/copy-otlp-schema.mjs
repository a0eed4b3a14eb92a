// Copies the repository's schemas/otlp/*.proto into the package (otlp-schema/), so the published package decodes
// OTLP protobuf without the repository around it. src/otlp/schema.ts looks there first.
import { cpSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const from = resolve(here, '../../../schemas/otlp');
const to = resolve(here, '../otlp-schema');
if (existsSync(from)) cpSync(from, to, { recursive: true });
else if (!existsSync(to)) throw new Error(`[rohas-telemetry] [server] build: ${from} not found`);
