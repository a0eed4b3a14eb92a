/**
 * LogQL text -> the evaluator's tree. Parsed with Grafana's own LogQL grammar (`@grafana/lezer-logql`, the one
 * Grafana's Loki editor uses); only the subset the evaluator implements is kept, anything else is `bad_data` naming
 * the part.
 */
import { parser } from '@grafana/lezer-logql';
import { matcher, parseDurationSeconds, unquote } from '../promql/ast.js';
import { PromQLError } from '../promql/internal-types.js';
import type { LabelCondition, LineFilter, LogQLExpr, LogSelector, Stage } from './internal-types.js';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

const RANGE_OPS = new Set(['count_over_time', 'rate']);
const VECTOR_OPS = new Set(['sum', 'avg', 'min', 'max', 'count']);

export function parseLogQL(text: string): LogQLExpr {
  if (text.trim() === '') throw new PromQLError('bad_data', 'empty query');
  const tree = parser.parse(text);
  const src = (n: SyntaxNode) => text.slice(n.from, n.to);
  const unsupported = (what: string) =>
    new PromQLError(
      'bad_data',
      `unsupported LogQL: ${what} (in ${JSON.stringify(text)}) is outside the subset this server evaluates`,
    );
  let error: SyntaxNode | undefined;
  tree.iterate({
    enter(n) {
      if (n.type.isError && !error) error = n.node;
    },
  });
  if (error)
    throw new PromQLError(
      'bad_data',
      `parse error at character ${error.from + 1}${error.to > error.from ? ` near ${JSON.stringify(src(error))}` : ' (unexpected end or missing part)'}`,
    );

  /** Flattens the grammar's left-nested lists (Matchers, PipelineExpr, LineFilters, LabelFilter chains). */
  function flatten(node: SyntaxNode, name: string, item: string): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (const c of children(node)) {
      if (c.type.name === name) out.push(...flatten(c, name, item));
      else if (c.type.name === item) out.push(c);
    }
    return out;
  }

  function selector(node: SyntaxNode): LogSelector['matchers'] {
    const matchersNode = children(node).find((c) => c.type.name === 'Matchers');
    const list = matchersNode ? flatten(matchersNode, 'Matchers', 'Matcher') : [];
    const out = list.map((m) => {
      const [name, op, value] = children(m);
      return matcher(src(name!), src(op!) as '=' | '!=' | '=~' | '!~', unquote(src(value!)));
    });
    if (!out.some((m) => (m.op === '=' && m.value !== '') || (m.op === '=~' && !m.re!.test(''))))
      throw new PromQLError(
        'bad_data',
        'queries require at least one regexp or equality matcher that does not have an empty-compatible value',
      );
    return out;
  }

  function labelCondition(node: SyntaxNode): LabelCondition {
    const kids = children(node);
    switch (node.type.name) {
      case 'LabelFilter': {
        if (kids.length === 1) return labelCondition(kids[0]!);
        const parts = kids.filter((k) => k.type.name === 'LabelFilter');
        if (parts.length === 1) return labelCondition(parts[0]!);
        if (parts.length !== 2) throw unsupported(`label filter ${src(node)}`);
        // `a and b`, `a or b`, or `a, b` (a comma, which the grammar leaves anonymous, means and).
        return {
          type: kids.some((k) => k.type.name === 'Or') ? 'or' : 'and',
          lhs: labelCondition(parts[0]!),
          rhs: labelCondition(parts[1]!),
        };
      }
      case 'Matcher': {
        const [name, op, value] = kids;
        return { type: 'string', matcher: matcher(src(name!), src(op!) as '=', unquote(src(value!))) };
      }
      case 'NumberFilter': {
        const [name, op, value] = kids;
        const opText = src(op!);
        const v = Number(src(value!));
        if (!['>', '>=', '<', '<=', '==', '!=', '='].includes(opText) || Number.isNaN(v))
          throw unsupported(`number filter ${src(node)}`);
        return { type: 'number', label: src(name!), op: opText === '=' ? '==' : (opText as '=='), value: v };
      }
      default:
        throw unsupported(`label filter ${src(node)} (${node.type.name})`);
    }
  }

  function stages(node: SyntaxNode | undefined): Stage[] {
    if (!node) return [];
    const out: Stage[] = [];
    for (const stage of flatten(node, 'PipelineExpr', 'PipelineStage')) {
      const kids = children(stage);
      const lf = kids.find((k) => k.type.name === 'LineFilters');
      if (lf) {
        for (const f of flatten(lf, 'LineFilters', 'LineFilter')) {
          const fk = children(f);
          const op = src(children(fk[0]!)[0] ?? fk[0]!);
          const valueNodes = fk.filter((k) => k.type.name === 'String');
          if (valueNodes.length !== 1 || !['|=', '!=', '|~', '!~'].includes(op))
            throw unsupported(`line filter ${src(f)}`);
          const value = unquote(src(valueNodes[0]!));
          const filter: LineFilter = { op: op as LineFilter['op'], value };
          if (op === '|~' || op === '!~') {
            try {
              filter.re = new RegExp(value, 's');
            } catch (error) {
              throw new PromQLError(
                'bad_data',
                `invalid regular expression ${JSON.stringify(value)}: ${(error as Error).message}`,
              );
            }
          }
          out.push({ type: 'line', filter });
        }
        continue;
      }
      const body = kids.find((k) => k.type.name !== 'Pipe');
      if (!body) continue;
      if (body.type.name === 'LabelParser') {
        const which = src(body).trim();
        if (which !== 'json' && which !== 'logfmt') throw unsupported(`parser ${which}`);
        out.push({ type: which });
      } else if (body.type.name === 'JsonExpressionParser') throw unsupported('json with parameters');
      else if (body.type.name === 'LogfmtParser') {
        if (src(body).trim() !== 'logfmt') throw unsupported(`logfmt with flags or parameters`);
        out.push({ type: 'logfmt' });
      } else if (body.type.name === 'LabelFilter') out.push({ type: 'label', condition: labelCondition(body) });
      else throw unsupported(`pipeline stage ${src(body).split(/\s/)[0]}`);
    }
    return out;
  }

  function logExpr(node: SyntaxNode): LogSelector {
    const kids = children(node);
    const sel = kids.find((k) => k.type.name === 'Selector');
    if (!sel) {
      const inner = kids.find((k) => k.type.name === 'LogExpr');
      if (inner) return logExpr(inner);
      throw unsupported(src(node));
    }
    return { matchers: selector(sel), stages: stages(kids.find((k) => k.type.name === 'PipelineExpr')) };
  }

  function metric(node: SyntaxNode): LogQLExpr {
    const kids = children(node);
    const first = kids[0]!;
    switch (first.type.name) {
      case 'RangeAggregationExpr': {
        const parts = children(first);
        const op = src(parts[0]!);
        if (!RANGE_OPS.has(op)) throw unsupported(`range aggregation ${op}`);
        if (parts.some((p) => p.type.name === 'Grouping')) throw unsupported(`${op} with by/without`);
        const range = parts.find((p) => p.type.name === 'LogRangeExpr')!;
        const rk = children(range);
        if (rk.some((k) => k.type.name === 'OffsetExpr')) throw unsupported('offset');
        if (rk.some((k) => k.type.name === 'UnwrapExpr')) throw unsupported('unwrap');
        const sel = rk.find((k) => k.type.name === 'Selector');
        if (!sel) throw unsupported(src(range));
        const rangeNode = rk.find((k) => k.type.name === 'Range')!;
        const rangeMs = Math.round(parseDurationSeconds(src(rangeNode).replace(/^\[|\]$/g, '')) * 1000);
        return {
          type: 'range',
          op: op as 'rate',
          rangeMs,
          selector: { matchers: selector(sel), stages: stages(rk.find((k) => k.type.name === 'PipelineExpr')) },
        };
      }
      case 'VectorAggregationExpr': {
        const parts = children(first);
        const op = src(parts[0]!);
        if (!VECTOR_OPS.has(op)) throw unsupported(`aggregation ${op}`);
        const inner = parts.find((p) => p.type.name === 'MetricExpr');
        if (!inner) throw unsupported(`${op} with a parameter`);
        const out: LogQLExpr = { type: 'aggregate', op: op as 'sum', expr: metric(inner) };
        const grouping = parts.find((p) => p.type.name === 'Grouping');
        if (grouping) {
          const g = children(grouping);
          const labelsNode = g.find((x) => x.type.name === 'Labels');
          const names = labelsNode ? flatten(labelsNode, 'Labels', 'Identifier').map(src) : [];
          if (g[0]!.type.name === 'By') out.by = names;
          else out.without = names;
        }
        return out;
      }
      case 'MetricExpr':
        return metric(first);
      default:
        if (src(first) === '(') return metric(kids[1]!);
        throw unsupported(`${first.type.name} ${src(first)}`);
    }
  }

  const expr = children(tree.topNode)[0]!;
  const top = children(expr)[0]!;
  if (top.type.name === 'LogExpr') return { type: 'log', selector: logExpr(top) };
  if (top.type.name === 'MetricExpr') return metric(top);
  throw unsupported(src(top));
}
