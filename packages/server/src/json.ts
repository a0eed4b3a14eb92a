/*
 * Records -> JSON for the query API: every bigint (times, durations, int64 attributes) as a decimal string, as OTLP
 * JSON does; Uint8Array values as base64; NaN and infinities as the strings "NaN", "Infinity", "-Infinity".
 */

export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'string':
    case 'boolean':
      return value;
    case 'object': {
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      if (Array.isArray(value)) return value.map(toJsonValue);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        if (k === '__proto__')
          Object.defineProperty(out, k, {
            value: toJsonValue(v),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        else out[k] = toJsonValue(v);
      }
      return out;
    }
    default:
      return null;
  }
}

export function jsonText(value: unknown): string {
  return JSON.stringify(toJsonValue(value));
}
