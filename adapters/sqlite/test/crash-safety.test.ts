import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'rohas-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a process killed with SIGKILL mid-write leaves a database that opens and holds every committed batch', async () => {
  const child = spawn(
    process.execPath,
    ['--conditions=@rohas/source', '--import', 'tsx', join(import.meta.dirname, 'crash-writer.ts'), dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const committed: string[] = [];
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited early: ${code}`)),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line.startsWith('committed ')) committed.push(line.split(' ')[2]!);
      // Kill while the writer is in the middle of its stream of transactions.
      if (committed.length >= 20) child.kill('SIGKILL');
    });
  });
  expect(committed.length).toBeGreaterThanOrEqual(20);

  const db = new Database(join(dir, 'telemetry.db'));
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const count = db.prepare('SELECT count(*) AS n FROM spans WHERE trace_id = ?');
    for (const traceId of committed) expect((count.get(traceId) as { n: number }).n).toBe(500);
    // Every batch is all or nothing: no trace holds part of a batch.
    const partial = db.prepare('SELECT trace_id, count(*) AS n FROM spans GROUP BY trace_id HAVING n <> 500').all();
    expect(partial).toEqual([]);
  } finally {
    db.close();
  }
}, 180_000);
