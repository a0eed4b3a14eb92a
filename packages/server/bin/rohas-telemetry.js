#!/usr/bin/env node
// The `rohas-telemetry` bin. A committed file (not dist/cli.js itself), so npm can link the bin at `npm ci` time,
// before the build has made dist/ in a fresh clone of the repository.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    '[rohas-telemetry] dist/cli.js is missing: run `npm run build` first (this is a source checkout)\n',
  );
  process.exit(1);
}
const { runBin } = await import(cli.href);
await runBin(process.argv.slice(2));
