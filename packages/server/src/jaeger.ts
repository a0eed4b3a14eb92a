import type { Hono } from 'hono';
import { registerJaegerV1 } from './jaeger/v1.js';
import { registerJaegerV3 } from './jaeger/v3.js';
import type { ServerStorage } from './types.js';

/*
 * The Jaeger-compatible read APIs, answered from the core's query API so they work over every adapter:
 * `jaeger/v1.ts` (the `/api/*` routes the Jaeger UI and Grafana call) and `jaeger/v3.ts` (`/api/v3/*`, Jaeger v2's).
 */
export { jaegerTrace } from './jaeger/ui-model.js';

export function registerJaegerApi(app: Hono, storage: ServerStorage): void {
  registerJaegerV1(app, storage.query);
  registerJaegerV3(app, storage.query);
}
