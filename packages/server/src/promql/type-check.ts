import { FUNCTIONS } from './ast.js';
import { type Expr, PromQLError } from './internal-types.js';

/** Static type check: function arguments and aggregation inputs of the right kind, before any data is read. */
export function check(e: Expr): 'scalar' | 'vector' | 'matrix' | 'string' {
  switch (e.type) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'selector':
      return e.rangeMs === undefined ? 'vector' : 'matrix';
    case 'unary': {
      const k = check(e.expr);
      if (k !== 'scalar' && k !== 'vector')
        throw new PromQLError(
          'bad_data',
          'unary expression only allowed on expressions of type scalar or instant vector',
        );
      return k;
    }
    case 'call': {
      const want = FUNCTIONS[e.fn]!;
      e.args.forEach((a, i) => {
        const k = check(a);
        if (k !== want[i])
          throw new PromQLError(
            'bad_data',
            `expected type ${want[i] === 'matrix' ? 'range vector' : want[i] === 'vector' ? 'instant vector' : want[i]} in call to function "${e.fn}", got ${k === 'matrix' ? 'range vector' : k === 'vector' ? 'instant vector' : k}`,
          );
        if (want[i] === 'matrix' && a.type !== 'selector')
          throw new PromQLError('bad_data', `unsupported PromQL: ${e.fn}() over a subquery`);
      });
      return e.fn === 'time' || e.fn === 'scalar' ? 'scalar' : 'vector';
    }
    case 'aggregate': {
      if (check(e.expr) !== 'vector')
        throw new PromQLError('bad_data', `expected type instant vector in aggregation expression ${e.op}`);
      if (e.param && check(e.param) !== 'scalar')
        throw new PromQLError('bad_data', `expected type scalar in aggregation parameter of ${e.op}`);
      return 'vector';
    }
    case 'binary': {
      const l = check(e.lhs);
      const r = check(e.rhs);
      for (const k of [l, r])
        if (k !== 'scalar' && k !== 'vector')
          throw new PromQLError('bad_data', `binary expression must contain only scalar and instant vector types`);
      if (e.matching && (l !== 'vector' || r !== 'vector'))
        throw new PromQLError('bad_data', 'vector matching only allowed between instant vectors');
      return l === 'scalar' && r === 'scalar' ? 'scalar' : 'vector';
    }
  }
}
