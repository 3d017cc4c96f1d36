import { useEffect, useRef, useSyncExternalStore, type ReactNode } from 'react';
import { api, withQuery, type OutboxStatus } from '../../api.js';
import { formatAge } from '../../format.js';
import { useInterval, useResource, type Resource } from '../../hooks.js';
import { Link } from '../../router.js';

/** How often the strip asks again while the page is visible. */
const POLL_MS = 10_000;
/** Workers claim a due message within seconds; this long means nothing is taking them. */
export const STUCK_AFTER_SEC = 300;

function subscribeVisibility(onChange: () => void): () => void {
  document.addEventListener('visibilitychange', onChange);
  return () => document.removeEventListener('visibilitychange', onChange);
}
const isVisible = () => document.visibilityState !== 'hidden';

/** Whether the tab is shown: a hidden tab polls nobody's server for figures nobody reads. */
export function usePageVisible(): boolean {
  return useSyncExternalStore(subscribeVisibility, isVisible);
}

/**
 * The outbox figures for the strip: fetched when `deps` change, every 10 s while the page is
 * visible, and at once when a hidden tab is shown again (what it had is stale by then).
 */
export function useOutboxStatus(deps: unknown[]): Resource<OutboxStatus> {
  const status = useResource(() => api.get<OutboxStatus>('/messages/stats'), deps);
  const visible = usePageVisible();
  useInterval(status.reload, POLL_MS, visible);
  const wasVisible = useRef(visible);
  const { reload } = status;
  useEffect(() => {
    if (visible && !wasVisible.current) reload();
    wasVisible.current = visible;
  }, [visible, reload]);
  return status;
}

/** " · " that stays with the item before it, so a narrow screen wraps between items, never before a dot. */
const Sep = () => (
  <>
    <span aria-hidden="true">{'\u00a0·'}</span>{' '}
  </>
);
/** One figure; kept on one line. */
const Item = ({ name, children }: { name: string; children: ReactNode }) => (
  <span data-count={name} style={{ whiteSpace: 'nowrap' }}>
    {children}
  </span>
);

/** "4 failed, 1 expired in 24 h", each count a link to the log filtered by that status. */
function Endings({ s }: { s: OutboxStatus }) {
  const parts: ReactNode[] = [];
  for (const [status, n] of [
    ['failed', s.failedLast24h],
    ['expired', s.expiredLast24h],
  ] as const) {
    if (n === 0) continue;
    if (parts.length) parts.push(', ');
    parts.push(
      <Link key={status} to={withQuery('/messages', { status })} data-count={status} title={`Show ${status} messages`}>
        {n} {status}
      </Link>,
    );
  }
  if (!parts.length) return null;
  return <span data-testid="queue-endings">{parts} in 24 h</span>;
}

/**
 * The email log's status strip: what waits in the outbox, how long the oldest due message has
 * waited, and what gave up in the last day. Calm when all is zero, the warning style (with the
 * word "Warning", not colour alone) when a due message has waited more than five minutes.
 */
export function QueueStatus({ status }: { status: Resource<OutboxStatus> }) {
  const s = status.data;
  if (!s) {
    // Until the first answer there is nothing to say; a failure is said quietly, the list below still works.
    return status.error ? <p className="muted small">Queue status unavailable: {status.error}</p> : null;
  }
  const waiting = s.queued + s.deferred + s.sending;
  const stuck = s.oldestDueAt !== null && s.oldestDueSeconds > STUCK_AFTER_SEC;
  const state = stuck ? 'stuck' : waiting === 0 ? 'empty' : 'busy';
  const endings = s.failedLast24h + s.expiredLast24h > 0;
  const kind = stuck ? 'warning' : waiting === 0 && !endings ? 'success' : 'info';
  return (
    <section className={`alert alert-${kind}`} aria-label="Outbox queue" data-testid="queue-status" data-state={state}>
      {stuck ? <strong>Warning: </strong> : null}
      {waiting === 0 ? (
        <span>
          <span aria-hidden="true">✓ </span>Queue empty
        </span>
      ) : (
        <span>
          <Item name="queued">{s.queued} queued</Item>
          <Sep />
          <Item name="deferred">{s.deferred} deferred</Item>
          <Sep />
          <Item name="sending">{s.sending} sending</Item>
          {s.oldestDueAt !== null ? (
            <>
              <Sep />
              <Item name="oldest-due">oldest due {formatAge(s.oldestDueSeconds)} ago</Item>
            </>
          ) : null}
        </span>
      )}
      {endings ? (
        <>
          <Sep />
          <Endings s={s} />
        </>
      ) : null}
      {stuck ? (
        <div className="small" data-testid="queue-hint">
          Due mail is not being picked up: workers stopped, or a server keeps deferring? See <Link to="/servers">Mail servers</Link> → Test connection.
        </div>
      ) : null}
      {status.error ? <div className="muted small">Not updated: {status.error}</div> : null}
    </section>
  );
}
