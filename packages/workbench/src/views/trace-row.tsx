import type { TraceSummary } from '../api-types.ts';
import { Link } from '../components.tsx';
import { colorFor, formatAge, formatDuration, formatTimestamp, shortId } from '../format.ts';

/** A separator only screen readers hear. */
function Sep() {
  return <span class="sr-only">, </span>;
}

/** Service tags shown on a row before "+N": the title always keeps its own line. */
const MAX_TAGS = 5;

/**
 * One result: the root service and operation on a line of their own (wrapping, never squeezed out by the service
 * tags, which sit on the line below), and an accessible name that reads as separate facts.
 */
export function TraceRow({
  t,
  maxDur,
  picked,
  onPick,
}: {
  t: TraceSummary;
  maxDur: number;
  picked: boolean;
  onPick: (id: string, on: boolean) => void;
}) {
  const spans = `${t.spanCount} span${t.spanCount === 1 ? '' : 's'}`;
  const errors = t.errorCount > 0 ? `${t.errorCount} error${t.errorCount === 1 ? '' : 's'}` : '';
  const extra = t.services.length - MAX_TAGS;
  return (
    <li class={`${t.errorCount > 0 ? 'has-error' : ''} ${picked ? 'picked' : ''}`}>
      <input
        type="checkbox"
        class="pick"
        checked={picked}
        onChange={(e) => onPick(t.traceId, (e.currentTarget as HTMLInputElement).checked)}
        aria-label={`Pick ${t.rootServiceName}: ${t.rootSpanName}, ${shortId(t.traceId)} to compare`}
        data-testid="trace-pick"
      />
      <Link to={`/traces/${t.traceId}`} class="trace-row" data-testid="trace-row">
        {/* The link's name is its text; the hidden commas keep the facts apart when read ("…, 52f7006b, 77 spans"). */}
        <span class="trace-title" data-testid="trace-title">
          <span class="svc-dot" style={{ background: colorFor(t.rootServiceName) }} />
          <strong class="root-svc">{t.rootServiceName}</strong>: <span class="root-op">{t.rootSpanName}</span>
          <Sep />
        </span>
        <span class="trace-meta">
          <span class="mono small trace-id">{shortId(t.traceId)}</span>
          <Sep />
          <span class="badge">{spans}</span>
          <Sep />
          {errors && (
            <>
              <span class="badge error">{errors}</span>
              <Sep />
            </>
          )}
          {t.services.slice(0, MAX_TAGS).map((s) => (
            <span key={s} class="svc-tag" style={{ borderColor: colorFor(s) }}>
              {s}
            </span>
          ))}
          {extra > 0 && (
            <span class="svc-tag more-tags" title={t.services.slice(MAX_TAGS).join(', ')}>
              +{extra}
            </span>
          )}
          <Sep />
        </span>
        <span class="trace-when" title={formatTimestamp(t.startTimeUnixNano)}>
          {formatAge(t.startTimeUnixNano)}
          <Sep />
        </span>
        <span class="trace-dur">
          <span class="dur-bar" style={{ width: `${Math.max(1, (Number(t.durationNano) / maxDur) * 100)}%` }} />
          <span class="dur-text">{formatDuration(t.durationNano)}</span>
        </span>
      </Link>
    </li>
  );
}
