/*
 * What an operator meets with SQLite: a file damaged past the pages read at start, and a full disk.
 * - corrupt file: the start-up integrity probe (PRAGMA quick_check) refuses to open it, naming the file; the probe's
 *   cost on the healthy file is printed;
 * - full disk (a 6 MiB tmpfs; a loop-mounted image is not needed where tmpfs mounts): every span whose commit was
 *   reported stored is readable, health() reports not ok while writes fail, and writes resume once space is freed;
 * - a new database is created owner-only: folder 0700, file 0600.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, openStorage, type SpanRecord } from '@rohas/telemetry';
import { afterAll, describe, expect, it } from 'vitest';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const root = mkdtempSync(join(tmpdir(), 'rohas-damage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const hex = (n: number) => randomBytes(n).toString('hex');
const now = BigInt(Date.now()) * 1_000_000n;

function span(i: number, pad = 200): SpanRecord {
  return {
    traceId: hex(16),
    spanId: hex(8),
    name: `op-${i % 20}`,
    kind: 2,
    startTimeUnixNano: now + BigInt(i),
    endTimeUnixNano: now + BigInt(i) + 1000n,
    status: { code: 0 },
    attributes: { i, payload: hex(pad) },
    events: [],
    links: [],
    resource: { attributes: { 'service.name': 'damage' } },
    scope: { name: 'damage-test' },
  };
}

const config = (dir: string) =>
  defaultConfig({
    type: 'sqlite',
    path: join(dir, 'db'),
    retention_days: 0,
    enable_metrics: false,
    enable_logs: false,
  });

describe('SQLite: a damaged file refuses to start, naming the file', () => {
  it('quick_check at start-up finds damage past the pages read at open', async () => {
    const dir = join(root, 'corrupt');
    const storage = await openStorage(config(dir), { logger: silent });
    for (let i = 0; i < 20_000; i += 2000) {
      const r = storage.ingestSpans(
        Array.from({ length: 2000 }, (_, k) => span(i + k)),
        { waitForCommit: true },
      );
      expect((await r.committed)?.stored).toBe(2000);
    }
    await storage.shutdown();
    const file = join(dir, 'db', 'telemetry.db');
    const size = statSync(file).size;
    // The probe's cost on the healthy file (startup with it vs the same open without it is this much slower).
    const { default: Driver } = await import('better-sqlite3');
    const db = new Driver(file, { readonly: true });
    const t = performance.now();
    db.pragma('quick_check');
    const probeMs = performance.now() - t;
    db.close();
    console.info(
      `[rohas-telemetry] [damage-test] quick_check on a healthy ${(size / 1048576).toFixed(1)} MiB file: ${probeMs.toFixed(0)} ms (${((probeMs / size) * 1048576 * 1024).toFixed(0)} ms per GiB)`,
    );
    // Random bytes over 300 pages in the middle of the file (as `dd if=/dev/urandom ... seek=... conv=notrunc`).
    const pages = Math.floor(size / 4096);
    expect(pages).toBeGreaterThan(600);
    const fd = openSync(file, 'r+');
    writeSync(fd, randomBytes(300 * 4096), 0, 300 * 4096, Math.floor(pages / 2) * 4096);
    closeSync(fd);
    await expect(openStorage(config(dir), { logger: silent })).rejects.toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is corrupt`),
    );
  }, 180_000);

  it('creates a new database owner-only (folder 0700, file 0600)', async () => {
    const dir = join(root, 'modes');
    const storage = await openStorage(config(dir), { logger: silent });
    await storage.shutdown();
    expect(statSync(join(dir, 'db')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'db', 'telemetry.db')).mode & 0o777).toBe(0o600);
  });
});

function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return r.status === 0;
}

const fullDir = join(root, 'full');
const mounted = process.platform === 'linux' && mountTmpfs(fullDir, '6m');
if (!mounted) {
  console.warn(
    '[rohas-telemetry] [damage-test] !!! full-disk test SKIPPED: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)',
  );
}

describe.skipIf(!mounted)('SQLite: a full disk', () => {
  afterAll(() => {
    spawnSync('umount', [fullDir]);
  });

  it('never reports stored what was not, says not ok while writes fail, and resumes when space returns', async () => {
    const storage = await openStorage(
      { ...config(fullDir), batch: { ...config(fullDir).batch, retry_initial_ms: 20, retry_max_ms: 200 } },
      { logger: silent, healthFailingMs: 300 },
    );
    // Fill the rest of the tmpfs with a ballast file so the database hits ENOSPC after a few batches.
    const ballast = join(fullDir, 'ballast');
    execFileSync('sh', ['-c', `dd if=/dev/zero of=${ballast} bs=1M count=3 2>/dev/null || true`]);
    const stored: string[] = [];
    let notStored = 0;
    let i = 0;
    for (let round = 0; round < 40; round++) {
      const spans = Array.from({ length: 500 }, () => span(i++, 400));
      const r = storage.ingestSpans(spans, { waitForCommit: true });
      const c = await Promise.race([
        r.committed!,
        new Promise<undefined>((res) => setTimeout(() => res(undefined), 1500)),
      ]);
      if (c && c.stored === spans.length) stored.push(...spans.map((s) => s.traceId));
      else notStored++;
      if (notStored >= 2) break;
    }
    expect(notStored, 'the disk never filled up').toBeGreaterThan(0);
    await new Promise((res) => setTimeout(res, 500));
    const h = await storage.health();
    expect(h.ok).toBe(false);
    console.info(`[rohas-telemetry] [damage-test] disk full after ${stored.length} stored spans; health: ${h.message}`);
    for (const traceId of stored) expect((await storage.query.getTrace(traceId))?.length, traceId).toBe(1);
    // Space returns: the queued spans are written and health recovers.
    rmSync(ballast);
    await storage.forceFlush();
    expect((await storage.health()).ok).toBe(true);
    expect(storage.stats().traces!.dropped).toBe(0);
    await storage.shutdown();
  }, 120_000);
});
