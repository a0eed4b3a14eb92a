// A plain node:http server with no telemetry code. Start it with telemetry:
//
//   node --import @rohas/telemetry/register http-server.mjs
//
// PORT picks the port (default 3000; 0 picks a free one). It prints `listening on PORT` on stdout.
import { createServer } from 'node:http';

const users = new Map([
  ['1', { id: '1', name: 'Ada' }],
  ['2', { id: '2', name: 'Linus' }],
]);

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const match = /^\/users\/([^/]+)$/.exec(url.pathname);
  if (url.pathname === '/users') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([...users.values()]));
  } else if (match) {
    const user = users.get(match[1]);
    if (user) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(user));
    else res.writeHead(404).end();
  } else if (url.pathname === '/fail') {
    res.writeHead(500).end('failed');
  } else if (url.pathname === '/upstream') {
    // An outgoing fetch inside the request: a client span in the same trace.
    const r = await fetch(`http://127.0.0.1:${server.address().port}/users`);
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
  } else {
    res.writeHead(404).end();
  }
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
