/**
 * PromQL text -> the evaluator's expression tree. Parsing is done by the Prometheus project's own grammar
 * (`@prometheus-io/lezer-promql`, the one its web UI uses); this file walks the syntax tree and keeps only the
 * subset the evaluator implements. Anything else is a {@link PromQLError} of type `bad_data` naming the part.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { AggregateOp, BinaryOp, Expr, Matcher } from './internal-types.js';
import { PromQLError } from './internal-types.js';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

const AGGREGATES = new Set<AggregateOp>(['sum', 'avg', 'min', 'max', 'count', 'topk', 'bottomk']);
const BINARY: Record<string, BinaryOp> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
};
/** Functions the evaluator implements, with their argument kinds. */
export const FUNCTIONS: Record<string, Array<'scalar' | 'vector' | 'matrix'>> = {
  rate: ['matrix'],
  irate: ['matrix'],
  increase: ['matrix'],
  delta: ['matrix'],
  avg_over_time: ['matrix'],
  min_over_time: ['matrix'],
  max_over_time: ['matrix'],
  sum_over_time: ['matrix'],
  count_over_time: ['matrix'],
  last_over_time: ['matrix'],
  stddev_over_time: ['matrix'],
  stdvar_over_time: ['matrix'],
  present_over_time: ['matrix'],
  quantile_over_time: ['scalar', 'matrix'],
  histogram_quantile: ['scalar', 'vector'],
  time: [],
  vector: ['scalar'],
  scalar: ['vector'],
};

const unsupported = (what: string, text: string) =>
  new PromQLError(
    'bad_data',
    `unsupported PromQL: ${what} (in ${JSON.stringify(text)}) is outside the subset this server evaluates`,
  );

/** Seconds of a Prometheus duration (`5m`, `1h30m`, `500ms`) or plain number of seconds. */
export function parseDurationSeconds(text: string): number {
  const t = text.trim();
  if (/^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/.test(t)) return Number(t);
  const re = /(\d+)(ms|y|w|d|h|m|s)/gy;
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  // biome-ignore lint/suspicious/noAssignInExpressions: a sticky regex walk
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== t.length || t === '') throw new PromQLError('bad_data', `invalid duration ${JSON.stringify(text)}`);
  return total;
}

function parseNumber(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'inf' || t === '+inf') return Number.POSITIVE_INFINITY;
  if (t === '-inf') return Number.NEGATIVE_INFINITY;
  if (t === 'nan') return Number.NaN;
  if (/^0x[0-9a-f]+$/.test(t)) return Number.parseInt(t.slice(2), 16);
  const n = Number(t);
  if (!Number.isNaN(n)) return n;
  return parseDurationSeconds(text);
}

/** A PromQL string literal's value: Go escapes in `"..."` and `'...'`, none in backquotes. */
export function unquote(literal: string): string {
  const q = literal[0];
  const body = literal.slice(1, -1);
  if (q === '`') return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/gs, (_m, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'a':
        return '\x07';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case 'x':
      case 'u':
      case 'U':
        return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
      default:
        return /^[0-7]{3}$/.test(e) ? String.fromCharCode(Number.parseInt(e, 8)) : e;
    }
  });
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** Parses a PromQL expression into the evaluator's tree; throws a `bad_data` PromQLError. */
export function parsePromQL(text: string): Expr {
  if (text.trim() === '') throw new PromQLError('bad_data', 'empty query');
  const tree = parser.parse(text);
  const src = (n: SyntaxNode) => text.slice(n.from, n.to);
  let error: SyntaxNode | undefined;
  tree.iterate({
    enter(n) {
      if (n.type.isError && !error) error = n.node;
    },
  });
  if (error) {
    throw new PromQLError(
      'bad_data',
      `invalid PromQL: parse error at character ${error.from + 1}${error.to > error.from ? ` near ${JSON.stringify(src(error))}` : ' (unexpected end or missing part)'}`,
    );
  }

  function expr(node: SyntaxNode): Expr {
    const kids = children(node);
    switch (node.type.name) {
      case 'PromQL':
        return expr(kids[0]!);
      case 'ParenExpr':
        return expr(kids[0]!);
      case 'NumberDurationLiteral':
        return { type: 'number', value: parseNumber(src(node)) };
      case 'StringLiteral':
        return { type: 'string', value: unquote(src(node)) };
      case 'VectorSelector':
        return selector(node);
      case 'MatrixSelector': {
        const inner = expr(kids[0]!);
        if (inner.type !== 'selector' || inner.rangeMs !== undefined)
          throw new PromQLError('bad_data', `invalid PromQL: ranges only allowed for vector selectors (${src(node)})`);
        const ms = Math.round(parseDurationSeconds(src(kids[1]!)) * 1000);
        if (ms <= 0) throw new PromQLError('bad_data', `invalid PromQL: range must be positive in ${src(node)}`);
        return { ...inner, rangeMs: ms };
      }
      case 'OffsetExpr': {
        const inner = expr(kids[0]!);
        const seconds = parseDurationSeconds(src(kids[kids.length - 1]!).replace(/^\+/, ''));
        const negative = /^\s*-/.test(src(kids[kids.length - 1]!));
        return withOffset(inner, Math.round(seconds * 1000) * (negative ? -1 : 1), src(node));
      }
      case 'UnaryExpr': {
        const op = src(kids[0]!);
        const inner = expr(kids[1]!);
        return op === '-' ? { type: 'unary', expr: inner } : inner;
      }
      case 'FunctionCall': {
        const name = src(kids[0]!);
        const argTypes = FUNCTIONS[name];
        if (!argTypes) throw unsupported(`function ${name}()`, text);
        const args = children(kids[1]!).map(expr);
        if (args.length !== argTypes.length)
          throw new PromQLError(
            'bad_data',
            `invalid PromQL: ${name}() takes ${argTypes.length} argument(s), got ${args.length}`,
          );
        return { type: 'call', fn: name, args };
      }
      case 'AggregateExpr': {
        const op = src(kids[0]!) as AggregateOp;
        if (!AGGREGATES.has(op)) throw unsupported(`aggregation ${op}`, text);
        const modifier = kids.find((k) => k.type.name === 'AggregateModifier');
        const body = kids.find((k) => k.type.name === 'FunctionCallBody')!;
        const args = children(body).map(expr);
        const needsParam = op === 'topk' || op === 'bottomk';
        if (args.length !== (needsParam ? 2 : 1))
          throw new PromQLError('bad_data', `invalid PromQL: ${op} takes ${needsParam ? 2 : 1} argument(s)`);
        const out: Expr = { type: 'aggregate', op, expr: args[args.length - 1]! };
        if (needsParam) out.param = args[0]!;
        if (modifier) {
          const [how, labels] = children(modifier);
          const names = children(labels!).map((l) => (l.type.name === 'QuotedLabelName' ? unquote(src(l)) : src(l)));
          if (src(how!) === 'by') out.by = names;
          else out.without = names;
        }
        return out;
      }
      case 'BinaryExpr': {
        const opNode = kids[1]!;
        const op = BINARY[opNode.type.name];
        if (!op) throw unsupported(`binary operator ${src(opNode)}`, text);
        const out: Expr = { type: 'binary', op, lhs: expr(kids[0]!), rhs: expr(kids[kids.length - 1]!), bool: false };
        for (const k of kids.slice(2, -1)) {
          if (k.type.name === 'BoolModifier') out.bool = true;
          else if (k.type.name === 'MatchingModifierClause') {
            const parts = children(k);
            if (parts.some((p) => p.type.name === 'GroupLeft' || p.type.name === 'GroupRight'))
              throw unsupported('group_left/group_right (many-to-one matching)', text);
            const labels = children(parts.find((p) => p.type.name === 'GroupingLabels')!).map((l) =>
              l.type.name === 'QuotedLabelName' ? unquote(src(l)) : src(l),
            );
            out.matching = { on: parts[0]!.type.name === 'On', labels };
          } else throw unsupported(`binary modifier ${src(k)}`, text);
        }
        if (out.bool && !['==', '!=', '>', '<', '>=', '<='].includes(op))
          throw new PromQLError('bad_data', 'invalid PromQL: bool modifier can only be used on comparison operators');
        return out;
      }
      case 'SubqueryExpr':
        throw unsupported('subquery', text);
      case 'StepInvariantExpr':
        throw unsupported('the @ modifier', text);
      default:
        throw unsupported(node.type.name, text);
    }
  }

  function selector(node: SyntaxNode): Expr {
    const matchers: Matcher[] = [];
    let name: string | undefined;
    for (const k of children(node)) {
      if (k.type.name === 'Identifier') name = src(k);
      else if (k.type.name === 'LabelMatchers') {
        for (const m of children(k)) {
          if (m.type.name === 'QuotedLabelName') {
            name = unquote(src(m));
            continue;
          }
          const [labelNode, opNode, valueNode] = children(m);
          const label = labelNode!.type.name === 'QuotedLabelName' ? unquote(src(labelNode!)) : src(labelNode!);
          matchers.push(matcher(label, src(opNode!) as Matcher['op'], unquote(src(valueNode!))));
        }
      }
    }
    if (name !== undefined) matchers.unshift(matcher('__name__', '=', name));
    if (!matchers.some((m) => !matchesEmpty(m)))
      throw new PromQLError('bad_data', 'vector selector must contain at least one non-empty matcher');
    return { type: 'selector', matchers, offsetMs: 0 };
  }

  return expr(tree.topNode);
}

function withOffset(e: Expr, ms: number, text: string): Expr {
  if (e.type === 'selector') return { ...e, offsetMs: e.offsetMs + ms };
  // The grammar binds `-foo offset 5m` as (-foo) offset 5m; PromQL means -(foo offset 5m).
  if (e.type === 'unary') return { type: 'unary', expr: withOffset(e.expr, ms, text) };
  throw unsupported('offset on something other than a selector', text);
}

/** A label matcher with its regular expression compiled as Prometheus does: fully anchored, `.` matching `\n`. */
export function matcher(name: string, op: Matcher['op'], value: string): Matcher {
  const m: Matcher = { name, op, value };
  if (op === '=~' || op === '!~') {
    let source = value;
    let flags = 's';
    // RE2's leading (?i) flag group is common in Grafana queries; JavaScript takes it as a flag.
    const lead = /^\(\?([is]+)\)/.exec(source);
    if (lead) {
      if (lead[1]!.includes('i')) flags += 'i';
      source = source.slice(lead[0].length);
    }
    try {
      m.re = new RegExp(`^(?:${source})$`, flags);
    } catch (error) {
      throw new PromQLError(
        'bad_data',
        `invalid regular expression ${JSON.stringify(value)}: ${(error as Error).message}`,
      );
    }
  }
  return m;
}

export function matchesLabel(m: Matcher, value: string | undefined): boolean {
  const v = value ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return m.re!.test(v);
    case '!~':
      return !m.re!.test(v);
  }
}

function matchesEmpty(m: Matcher): boolean {
  return matchesLabel(m, '');
}
