/**
 * `node --import @rohas/telemetry/register app.js` (or `NODE_OPTIONS=--import=@rohas/telemetry/register`): telemetry
 * for an app with no telemetry code. See zero-code.ts for what it starts; the started telemetry is on
 * `globalThis[Symbol.for('rohas.telemetry')]` for code that wants to query it.
 */
import { isMainThread } from 'node:worker_threads';
import { startZeroCode } from './zero-code.js';

const key = Symbol.for('rohas.telemetry');
const holder = globalThis as { [key]?: unknown };
// Once per process, in the main thread: a worker thread that inherited the preload starts nothing.
if (isMainThread && holder[key] === undefined) {
  holder[key] = null;
  holder[key] = (await startZeroCode()) ?? null;
}
