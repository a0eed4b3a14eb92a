import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { expect } from 'vitest';

// Response bodies are checked against schemas/query-api/responses.schema.json, the documented contract.
const schemaPath = fileURLToPath(new URL('../../../../schemas/query-api/responses.schema.json', import.meta.url));
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addSchema(schema);

const NAMES = {
  health: 'healthResponse',
  services: 'servicesResponse',
  operations: 'operationsResponse',
  traces: 'tracesResponse',
  trace: 'traceResponse',
  metricList: 'metricListResponse',
  metricSeries: 'metricSeriesResponse',
  metricPoints: 'metricPointsResponse',
  logs: 'logsResponse',
  error: 'errorResponse',
  stats: 'statsResponse',
  jaeger: 'jaegerResponse',
  jaegerTrace: 'jaegerTrace',
} as const;

export function validateResponse(kind: keyof typeof NAMES, body: unknown): void {
  const validate = ajv.getSchema(`${schema.$id}#/definitions/${NAMES[kind]}`);
  if (!validate) throw new Error(`no schema ${NAMES[kind]}`);
  const ok = validate(body);
  expect(ok, `${NAMES[kind]}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`).toBe(true);
}
