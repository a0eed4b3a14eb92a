// Serves the ClickHouse engine embedded in the npm package `chdb` (libchdb, ClickHouse 26.x) over the part of
// ClickHouse's HTTP interface that @clickhouse/client uses, in its own process, so the ClickHouse adapter is tested
// exactly as it runs in production: the official client, over HTTP, with its URL, credentials, compression and
// settings. The SQL runs in the real engine; this file only moves bytes (it is not a ClickHouse server: one
// engine, no replication, settings stay set for the session, `database` in the URL is ignored — the adapter names
// every table with its database).
//
//   node chdb-http-server.mjs --chdb DIR --data DIR [--port 0] [--user U --password P]
//
// DIR (--chdb) is a folder where `npm install chdb@3.4.x` ran (scripts/install-test-backends fills it), so the
// 546 MB engine stays out of the repository's own `npm ci`. Prints one JSON line on stdout once it listens:
//   {"port":N,"version":"26.7.2.1"}
// Exits when stdin closes (the parent died) or on SIGTERM/SIGINT. Plain JS so Node runs it directly.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const chdbDir = arg('chdb');
const dataDir = arg('data');
const port = Number(arg('port', '0'));
const user = arg('user', 'default');
const password = arg('password', '');
const log = (msg) => process.stderr.write(`${new Date().toISOString()} chdb-http: ${msg}\n`);

// Loaded from the cache folder, not from the repository's node_modules.
const require = createRequire(join(chdbDir, 'node_modules', 'chdb', 'package.json'));
const chdb = require('chdb');
// The session's own bind path re-escapes parameter text; HTTP clients send it already in ClickHouse's text form
// (`param_x=...`), so the text is handed to the engine unchanged through the addon, as the HTTP server does.
const native = require('./dist/loader.js').loadNative();
const session = new chdb.Session(dataDir);
// The addon binds parameters on the connection and then runs the query, so two parameterized queries must not
// overlap (chdb's own queryBindAsync chains them the same way); queries without parameters run concurrently.
let paramChain = Promise.resolve();
function withParams(run) {
  const next = paramChain.then(run, run);
  paramChain = next.then(
    () => undefined,
    () => undefined,
  );
  return next;
}

// Parameters of the HTTP interface that are not settings (https://clickhouse.com/docs/interfaces/http).
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'user', 'password', 'default_format', 'session_id']);
// Settings that only mean something to the HTTP server layer; the embedded engine rejects them.
const HTTP_ONLY = new Set([
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_buffer_size',
  'cancel_http_readonly_queries_on_client_close',
]);

const sqlString = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function errorBody(message) {
  const m = /Code: (\d+)\./.exec(message);
  return {
    code: m ? m[1] : '1000',
    text: message.startsWith('Code:') ? message : `Code: 1000. DB::Exception: ${message}`,
  };
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/ping') {
    res.end('Ok.\n');
    return;
  }
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  const [u, p] = basic
    ? Buffer.from(basic[1], 'base64').toString('utf8').split(/:(.*)/s)
    : [
        req.headers['x-clickhouse-user'] ?? url.searchParams.get('user') ?? 'default',
        req.headers['x-clickhouse-key'] ?? url.searchParams.get('password') ?? '',
      ];
  if (u !== user || (p ?? '') !== password) {
    const text = `Code: 516. DB::Exception: ${u}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)`;
    res.writeHead(401, { 'X-ClickHouse-Exception-Code': '516', 'Content-Type': 'text/plain' });
    res.end(text);
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let body = Buffer.concat(chunks);
  if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
  const urlQuery = url.searchParams.get('query');
  let sql = urlQuery ? `${urlQuery}\n${body.toString('utf8')}` : body.toString('utf8');
  const params = {};
  const sets = [];
  for (const [k, v] of url.searchParams) {
    if (k.startsWith('param_')) params[k.slice(6)] = v;
    else if (!NOT_SETTINGS.has(k) && !HTTP_ONLY.has(k)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad setting name ${k}`);
      sets.push(`SET ${k} = ${/^-?\d+(\.\d+)?$/.test(v) ? v : sqlString(v)}`);
    }
  }
  if (urlQuery && body.length === 0) sql = urlQuery;
  if (sets.length) sql = `${sets.join('; ')}; ${sql}`;
  const format = url.searchParams.get('default_format') ?? 'TabSeparated';
  const queryId = url.searchParams.get('query_id') ?? crypto.randomUUID();
  try {
    // An INSERT with its rows in the body goes through the addon's raw insert, where the engine's own parallel
    // parser reads the rows (as the HTTP server streams them into the format parser), not through the SQL parser.
    if (
      urlQuery &&
      body.length > 0 &&
      Object.keys(params).length === 0 &&
      /^\s*INSERT\b[\s\S]*\bFORMAT\s+\w+\s*$/i.test(urlQuery)
    ) {
      if (sets.length)
        await native.QueryAsyncConnection(session.connection, `${sets.join('; ')}; SELECT 1`, 'TabSeparated');
      await native.InsertRawAsyncConnection(session.connection, urlQuery, body, false);
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Query-Id': queryId });
      res.end();
      return;
    }
    const raw = await (Object.keys(params).length
      ? withParams(() => native.QueryAsyncConnection(session.connection, sql, format, params))
      : native.QueryAsyncConnection(session.connection, sql, format));
    const result = raw;
    let out = Buffer.from(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength);
    const headers = {
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Timezone': 'UTC',
      'X-ClickHouse-Summary': JSON.stringify({
        read_rows: String(result.rowsRead ?? 0),
        read_bytes: String(result.bytesRead ?? 0),
        written_rows: '0',
        written_bytes: '0',
        total_rows_to_read: '0',
        result_rows: '0',
        result_bytes: '0',
        elapsed_ns: String(Math.round((result.elapsed ?? 0) * 1e9)),
      }),
    };
    if (url.searchParams.get('enable_http_compression') === '1' && /gzip/.test(req.headers['accept-encoding'] ?? '')) {
      out = gzipSync(out);
      headers['Content-Encoding'] = 'gzip';
    }
    res.writeHead(200, headers);
    res.end(out);
  } catch (error) {
    const { code, text } = errorBody(String(error?.message ?? error));
    res.writeHead(500, {
      'X-ClickHouse-Exception-Code': code,
      'Content-Type': 'text/plain',
      'X-ClickHouse-Query-Id': queryId,
    });
    res.end(text);
  }
}

// ClickHouse reads URLs up to http_max_uri_size (1 MiB by default; docs: operations/settings/settings#http_max_uri_size)
// and bound parameters travel in the URL, so a page of trace ids does too. Node's own limit for the request line and
// headers is 16 KiB: a page of ~450 trace ids was refused with an empty 431 answer, which the client reported as an
// error with an empty message (the "empty error" of the 20,000-trace paging run). Same limit as ClickHouse here.
const MAX_URI = 1024 * 1024;
const server = createServer({ maxHeaderSize: MAX_URI + 64 * 1024 }, (req, res) => {
  handle(req, res).catch((error) => {
    log(`request failed: ${error?.stack ?? error}`);
    if (!res.headersSent) res.writeHead(500, { 'X-ClickHouse-Exception-Code': '1000' });
    res.end(`Code: 1000. DB::Exception: ${error?.message ?? error}`);
  });
});
// A request Node refuses before the handler (too long, malformed) still gets a ClickHouse-style error text with the
// reason, never an empty answer.
server.on('clientError', (error, socket) => {
  log(`refused a request: ${error?.code ?? ''} ${error?.message ?? error}`);
  if (!socket.writable) return socket.destroy();
  const text = `Code: 1000. DB::Exception: chdb-http bridge refused the request: ${error?.code ?? ''} ${error?.message ?? error}`;
  const status = error?.code === 'HPE_HEADER_OVERFLOW' ? '414 URI Too Long' : '400 Bad Request';
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nX-ClickHouse-Exception-Code: 1000\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
});
server.keepAliveTimeout = 60_000;
const version = Buffer.from(
  (await native.QueryAsyncConnection(session.connection, 'SELECT version()', 'TabSeparated')).bytes,
)
  .toString('utf8')
  .trim();
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port, version })}\n`);
  log(
    `ClickHouse ${version} (chdb ${chdb.version?.().chdb ?? ''}) on 127.0.0.1:${server.address().port}, data in ${dataDir}`,
  );
});

let stopping = false;
function stop(why) {
  if (stopping) return;
  stopping = true;
  log(`stopping (${why})`);
  server.close();
  server.closeAllConnections?.();
  try {
    session.close();
  } catch {}
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.stdin.on('end', () => stop('stdin closed'));
process.stdin.on('error', () => stop('stdin error'));
process.stdin.resume();
