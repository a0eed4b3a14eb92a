// The CommonJS twin of http-server.mjs, for `node --import @rohas/telemetry/register http-server.cjs`.
const { createServer } = require('node:http');

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/hello') res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
  else if (url.pathname === '/fail') res.writeHead(500).end('failed');
  else res.writeHead(404).end();
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
