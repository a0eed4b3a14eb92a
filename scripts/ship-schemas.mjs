#!/usr/bin/env node
// The one way the repository's schemas/ files get into a published package: run by the package's `build` (from the
// package's folder), it copies schemas/<name> into the package folder <dest>, which the package lists in `files`
// (and .gitignore). In a checkout the package reads the repository's copy first; the shipped copy is for npm users.
//
//   node ../../scripts/ship-schemas.mjs otlp otlp-schema        (packages/server)
//   node ../../scripts/ship-schemas.mjs timescaledb schemas     (adapters/timescaledb)
//
// Outside a full checkout (no schemas/<name>), an existing copy is kept; with neither, the build fails.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [name, dest] = process.argv.slice(2);
if (!name || !dest) {
  console.error('[rohas-telemetry] [ship-schemas] usage: ship-schemas.mjs <folder under schemas/> <destination>');
  process.exit(2);
}
const from = resolve(fileURLToPath(new URL('../schemas/', import.meta.url)), name);
const to = resolve(process.cwd(), dest);
const pkg = basename(process.cwd());
if (existsSync(from)) {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true, dereference: true });
} else if (!existsSync(to)) {
  console.error(`[rohas-telemetry] [${pkg}] build: ${from} not found and no shipped copy at ${to}`);
  process.exit(1);
}
