/*
 * What an npm user gets: every published package is packed with `npm pack` (running its prepack), the tarballs are
 * installed into an application outside the workspace, and that application stores and reads back telemetry through
 * the library and the installed `rohas-telemetry` bin. Checks each tarball carries LICENSE, README and dist, no tests,
 * and the schemas/ files its build ships (server: the OTLP .proto files; timescaledb: the SQL migrations).
 *
 * The install uses the npm cache the workspace's `npm ci` filled (--prefer-offline) and skips install scripts: the
 * only native addon, better-sqlite3, is the same version the workspace built for this Node, so its build folder is
 * copied in instead of compiling it again (a minute or two on these machines).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const PACKAGES = [
  'packages/core',
  'packages/test-suite',
  'packages/server',
  'adapters/sqlite',
  'adapters/timescaledb',
  'adapters/influxdb',
  'adapters/prometheus',
];
/** Files the build ships from the repository's schemas/ (scripts/ship-schemas.mjs), by package. */
const SHIPPED: Record<string, RegExp> = {
  'packages/server': /^otlp-schema\/trace_service\.proto$/,
  'adapters/timescaledb': /^schemas\/0001_[a-z0-9_]+(\.[a-z]+)?\.sql$/,
};
const work = mkdtempSync(join(tmpdir(), 'rohas-packed-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });

describe('packed packages installed into an application outside the workspace', () => {
  const tarballs: string[] = [];

  it('packs every package with LICENSE, README and dist, and no tests', () => {
    const dest = join(work, 'tarballs');
    mkdirSync(dest);
    for (const dir of PACKAGES) {
      const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dest], join(root, dir)));
      const files: string[] = out[0].files.map((f: { path: string }) => f.path);
      expect(files, dir).toContain('LICENSE');
      expect(files, dir).toContain('README.md');
      if (SHIPPED[dir])
        expect(
          files.some((f) => SHIPPED[dir]!.test(f)),
          `${dir} ships ${SHIPPED[dir]}`,
        ).toBe(true);
      expect(
        files.some((f) => f.startsWith('dist/')),
        dir,
      ).toBe(true);
      expect(
        files.filter((f) => /(^|\/)test\/|\.test\.ts$/.test(f)),
        dir,
      ).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
      expect(manifest.license, dir).toBe('MIT');
      expect(manifest.repository?.url, dir).toMatch(/^git\+https:/);
      expect(manifest.bugs?.url, dir).toBeTruthy();
      expect(manifest.homepage, dir).toBeTruthy();
      tarballs.push(join(dest, out[0].filename));
    }
    expect(readdirSync(dest)).toHaveLength(PACKAGES.length);
  }, 300_000);

  it('installs the tarballs and round-trips telemetry through the library and the bin', () => {
    const app = join(work, 'app');
    mkdirSync(app);
    const deps: Record<string, string> = { '@opentelemetry/api': '^1.9.0' };
    for (const t of tarballs) {
      const name = JSON.parse(run('tar', ['-xOzf', t, 'package/package.json'], work)).name as string;
      deps[name] = `file:${t}`;
    }
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'packed-app', private: true, type: 'module', dependencies: deps }),
    );
    run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], app);
    cpSync(join(root, 'node_modules/better-sqlite3/build'), join(app, 'node_modules/better-sqlite3/build'), {
      recursive: true,
    });
    cpSync(join(__dirname, 'fixtures/packed-app/round-trip.mjs'), join(app, 'round-trip.mjs'));
    writeFileSync(
      join(app, 'rohas.toml'),
      '[telemetry]\ntype = "sqlite"\npath = ".rohas/telemetry"\nservice_name = "packed-app"\n',
    );

    const result = JSON.parse(run(process.execPath, ['round-trip.mjs'], app).trim());
    expect(result.spans).toEqual(['packed-op']);
    expect(result.attr).toBe(7);
    expect(result.metrics).toContain('packed.count');

    const bin = join(app, 'node_modules/.bin/rohas-telemetry');
    const page = JSON.parse(run(bin, ['query', 'traces', '--json', '-c', 'rohas.toml'], app));
    expect(page.items.map((t: { traceId: string }) => t.traceId)).toContain(result.traceId);
    const logs = JSON.parse(run(bin, ['query', 'logs', '--json', '-c', 'rohas.toml'], app));
    expect(logs.items.map((l: { body: string }) => l.body)).toContain('packed log');
  }, 600_000);
});
