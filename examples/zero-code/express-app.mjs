// An Express app with a pino logger and no telemetry code. Start it with telemetry:
//
//   node --import @rohas/telemetry/register express-app.mjs
//
// With @opentelemetry/auto-instrumentations-node installed (it is in this folder's package.json), the register path
// enables its set: Express gives the server spans their http.route (/users/:id), and pino's records are stored as
// logs carrying the trace and span id of the request they were written in.
// PORT picks the port (default 3000; 0 picks a free one). It prints `listening on PORT` on stdout.
import express from 'express';
import pino from 'pino';

const log = pino({ level: 'info' }, pino.destination(2)); // stderr: stdout carries data
const users = new Map([
  ['1', { id: '1', name: 'Ada' }],
  ['2', { id: '2', name: 'Linus' }],
]);

const app = express();
app.get('/users', (_req, res) => {
  log.info({ count: users.size }, 'listing users');
  res.json([...users.values()]);
});
app.get('/users/:id', (req, res) => {
  const user = users.get(req.params.id);
  if (!user) {
    log.warn({ id: req.params.id }, 'no such user');
    res.status(404).end();
    return;
  }
  log.info({ id: user.id }, 'found user');
  res.json(user);
});
app.get('/fail', () => {
  throw new Error('handler failed');
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
