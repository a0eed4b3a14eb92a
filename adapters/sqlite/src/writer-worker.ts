// The SQLite adapter's write thread: owns the write connection so batches never block the application's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import type { SignalRetention } from '@rohas/telemetry/adapter';
import { spanRow } from './codec.js';
import { openDatabase } from './connection.js';
import type { WriterRequest, WriterResponse } from './internal-types.js';
import { SqliteWriter } from './sqlite-writer.js';

const { file, cacheMb, retention, signals } = workerData as {
  file: string;
  cacheMb: number;
  retention: SignalRetention;
  signals: string[];
};
const Driver = (await import('better-sqlite3')).default;
const writer = new SqliteWriter(openDatabase(Driver, file, cacheMb), retention, signals);
const port = parentPort!;

port.on('message', async (request: WriterRequest) => {
  let response: WriterResponse;
  try {
    switch (request.op) {
      case 'spans':
        response = { id: request.id, result: writer.writeSpanRows(request.items.map(spanRow)) };
        break;
      case 'points':
        response = { id: request.id, result: writer.writePoints(request.items) };
        break;
      case 'logs':
        response = { id: request.id, result: writer.writeLogs(request.items) };
        break;
      case 'retention':
        response = { id: request.id, retention: await writer.retention(request.now) };
        break;
      case 'close':
        writer.close();
        response = { id: request.id };
        break;
    }
  } catch (error) {
    response = { id: request.id, error: (error as Error).message };
  }
  port.postMessage(response);
  if (request.op === 'close') port.close();
});
port.postMessage({ id: 0 } satisfies WriterResponse);
