import { colorFor, formatDuration } from '../format.ts';
import type { SpanRow, TraceModel } from '../trace-model.ts';

/** Error spans below `row` (its subtree is the rows after it up to subtreeEnd, in depth-first order). */
export function errorsIn(model: TraceModel, row: SpanRow): number {
  let n = 0;
  for (let i = row.index + 1; i < row.subtreeEnd; i++) if (model.rows[i]!.error) n++;
  return n;
}

export function WaterfallRow(props: {
  row: SpanRow;
  top: number;
  total: number;
  selected: boolean;
  collapsed: boolean;
  match?: boolean | undefined;
  dim?: boolean;
  /** Error spans inside this row's subtree while it is folded. */
  hiddenErrors: number;
  onSelect: (r: SpanRow) => void;
  onToggle: (r: SpanRow) => void;
}) {
  const { row, total } = props;
  const left = (row.offset / total) * 100;
  const width = Math.max((row.duration / total) * 100, 0.15);
  // The duration label goes after the bar, or before it near the right edge, or inside a bar that fills the row.
  const place = left + width <= 80 ? 'after' : left >= 12 ? 'before' : 'inside';
  const cls = [
    'wf-row',
    row.error ? 'error' : '',
    props.selected ? 'selected' : '',
    props.match ? 'match' : '',
    props.dim ? 'dim' : '',
  ].join(' ');
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/useFocusableInteractive: the tree (.wf-body) holds the focus and moves the selection with aria-activedescendant; rows take clicks only
    <div
      class={cls}
      id={`span-${row.span.spanId}`}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-selected={props.selected}
      aria-expanded={row.childCount > 0 ? !props.collapsed : undefined}
      data-span-id={row.span.spanId}
      data-index={row.index}
      style={{ transform: `translateY(${props.top}px)` }}
      onClick={() => props.onSelect(row)}
    >
      <div
        class="wf-name"
        style={{ paddingLeft: `${6 + Math.min(row.depth, 30) * 14}px` }}
        title={`${row.service}: ${row.span.name}`}
      >
        {row.childCount > 0 ? (
          <button
            type="button"
            class="fold"
            tabIndex={-1}
            aria-label={props.collapsed ? 'Expand' : 'Collapse'}
            onClick={(e) => {
              e.stopPropagation();
              props.onToggle(row);
            }}
          >
            {props.collapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span class="fold" />
        )}
        <span class="svc-dot" style={{ background: colorFor(row.service) }} />
        {row.error && (
          <span class="err-mark" title={row.span.status.message || 'error'} role="img" aria-label="error">
            !
          </span>
        )}
        <span class="svc">{row.service}</span>
        <span class="op">{row.span.name}</span>
        {props.collapsed && <span class="badge small">+{row.subtreeEnd - row.index - 1}</span>}
        {props.collapsed && props.hiddenErrors > 0 && (
          <span class="badge small error" data-testid="hidden-errors" title="Errors inside this folded subtree">
            {props.hiddenErrors} error{props.hiddenErrors === 1 ? '' : 's'} hidden
          </span>
        )}
        {row.orphan && (
          <span class="badge small" title="The parent span is not stored">
            orphan
          </span>
        )}
      </div>
      <div class="wf-time">
        <span
          class="bar"
          style={{ left: `${left}%`, width: `${width}%`, background: row.error ? undefined : colorFor(row.service) }}
          title={`${row.span.name}: ${formatDuration(row.duration)} from +${formatDuration(row.offset)}${row.span.events.length ? ` · ${row.span.events.map((e) => e.name).join(', ')}` : ''}`}
        >
          {row.span.events.map((ev, i) => (
            <span
              key={i}
              class="ev"
              style={{
                left: `${row.duration > 0 ? Math.min(100, Math.max(0, (Number(BigInt(ev.timeUnixNano) - BigInt(row.span.startTimeUnixNano)) / row.duration) * 100)) : 0}%`,
              }}
            />
          ))}
        </span>
        <span
          class={`bar-label ${place}`}
          style={
            place === 'after'
              ? { left: `${left + width}%` }
              : place === 'before'
                ? { right: `${100 - left}%` }
                : { right: `${100 - left - width}%` }
          }
        >
          {formatDuration(row.duration)}
        </span>
      </div>
    </div>
  );
}
