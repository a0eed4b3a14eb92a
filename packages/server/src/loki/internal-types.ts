/** Private types of the LogQL evaluator. */
import type { Matcher } from '../promql/internal-types.js';

export interface LineFilter {
  op: '|=' | '!=' | '|~' | '!~';
  value: string;
  /** Compiled (unanchored, as Loki applies line regexes) for `|~` and `!~`. */
  re?: RegExp;
}

export type LabelCondition =
  | { type: 'string'; matcher: Matcher }
  | { type: 'number'; label: string; op: '>' | '>=' | '<' | '<=' | '==' | '!='; value: number }
  | { type: 'and' | 'or'; lhs: LabelCondition; rhs: LabelCondition };

export type Stage =
  | { type: 'line'; filter: LineFilter }
  | { type: 'json' }
  | { type: 'logfmt' }
  | { type: 'label'; condition: LabelCondition };

export interface LogSelector {
  matchers: Matcher[];
  stages: Stage[];
}

export type LogQLExpr =
  | { type: 'log'; selector: LogSelector }
  | { type: 'range'; op: 'count_over_time' | 'rate'; rangeMs: number; selector: LogSelector }
  | {
      type: 'aggregate';
      op: 'sum' | 'avg' | 'min' | 'max' | 'count';
      expr: LogQLExpr;
      by?: string[];
      without?: string[];
    };

/** One log line after the pipeline: its time, text and labels (stream labels plus extracted ones). */
export interface Entry {
  timeNano: bigint;
  line: string;
  labels: Record<string, string>;
}
