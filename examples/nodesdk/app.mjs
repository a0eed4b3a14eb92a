// A small Express service with a pino logger and no telemetry code; instrumentation.mjs sets telemetry up.
import express from 'express';
import pino from 'pino';

const log = pino(pino.destination(2)); // stderr: stdout carries data
const orders = new Map([['7', { id: '7', item: 'book' }]]);

const app = express();
app.get('/orders/:id', (req, res) => {
  const order = orders.get(req.params.id);
  log.info({ id: req.params.id, found: Boolean(order) }, 'order lookup');
  if (order) res.json(order);
  else res.status(404).end();
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
