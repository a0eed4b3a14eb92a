#!/usr/bin/env node
// Runs as each published package's `prepack` (npm pack / npm publish, from the package's folder): puts the
// repository's LICENSE into the package, so every tarball carries it. The copies are ignored by git.
import { copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

copyFileSync(fileURLToPath(new URL('../LICENSE', import.meta.url)), 'LICENSE');
