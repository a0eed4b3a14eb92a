// Hello-world HTTP server for bench/register: no telemetry code; run plain or with --import @rohas/telemetry/register.
import { createServer } from 'node:http';

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
});
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
