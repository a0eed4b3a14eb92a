/** Private types of the PromQL evaluator. */

/** Prometheus' API error types (`errorType` in the response envelope). */
export type PromErrorType = 'bad_data' | 'execution' | 'internal' | 'unavailable' | 'timeout' | 'canceled';

/** An error answered in Prometheus' envelope: `bad_data` is 400, `execution` 422, the rest 5xx. */
export class PromQLError extends Error {
  constructor(
    readonly errorType: PromErrorType,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PromQLError';
  }
}

export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  /** Compiled, anchored, for `=~` and `!~`. */
  re?: RegExp;
}

export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'topk' | 'bottomk';
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '>' | '<' | '>=' | '<=';

export type Expr =
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  /** A vector selector; with `rangeMs` a range (matrix) selector. */
  | { type: 'selector'; matchers: Matcher[]; offsetMs: number; rangeMs?: number }
  | { type: 'call'; fn: string; args: Expr[] }
  | { type: 'aggregate'; op: AggregateOp; expr: Expr; param?: Expr; by?: string[]; without?: string[] }
  | {
      type: 'binary';
      op: BinaryOp;
      lhs: Expr;
      rhs: Expr;
      bool: boolean;
      matching?: { on: boolean; labels: string[] };
    }
  | { type: 'unary'; expr: Expr };

/** A label set, `__name__` included. */
export type Labels = Record<string, string>;

/** One series as loaded from the store: samples ascending by time (ms). */
export interface LoadedSeries {
  labels: Labels;
  t: number[];
  v: number[];
}

export interface VectorSample {
  labels: Labels;
  v: number;
}

export type Value =
  | { kind: 'scalar'; v: number }
  | { kind: 'string'; v: string }
  | { kind: 'vector'; samples: VectorSample[] }
  | { kind: 'matrix'; series: Array<{ labels: Labels; t: number[]; v: number[] }> };
