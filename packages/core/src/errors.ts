/** An error of rohas-telemetry. Messages start with where they come from, e.g. `[rohas-telemetry] [sqlite] ...`. */
export class TelemetryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TelemetryError';
  }
}

/** A bad rohas.toml: names the file, the key (or line) and what is allowed. */
export class ConfigError extends TelemetryError {
  readonly file: string | undefined;
  readonly key: string | undefined;
  constructor(message: string, details: { file?: string; key?: string; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.name = 'ConfigError';
    this.file = details.file;
    this.key = details.key;
  }
}

/** A query that uses something the adapter does not declare, or is malformed. */
export class QueryError extends TelemetryError {
  /** The query field at fault, e.g. `attributes[0].op`. */
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.name = 'QueryError';
    this.field = field;
  }
}

/** Prefixes a message with the project's and a component's name. */
export function where(component?: string): string {
  return component ? `[rohas-telemetry] [${component}]` : '[rohas-telemetry]';
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
