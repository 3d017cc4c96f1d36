import type { WebhookEndpoint } from '../../api.js';
import { formatDate } from '../../format.js';
import { Notice, StatusChip } from '../../ui/index.js';

/** "12 delivered · 1 failed · 3 waiting": the last 24 hours, and what waits now. */
export function deliveryCounts(e: WebhookEndpoint): string {
  const h = e.health;
  return `${h.succeededLast24h} delivered · ${h.failedLast24h} failed · ${h.pending} waiting`;
}

/** The endpoint's state as a chip (healthy, failing, disabled, idle). */
export function HealthChip({ endpoint }: { endpoint: WebhookEndpoint }) {
  return <StatusChip status={endpoint.health.state} />;
}

/**
 * What needs attention, in words: switched off by Mailroom (why, and that switching it on
 * sends what waited), or failing (since when, the last error is in the log, and when Mailroom
 * will switch it off if nothing succeeds). Nothing for a healthy or idle endpoint.
 */
export function HealthWarning({ endpoint: e }: { endpoint: WebhookEndpoint }) {
  if (!e.enabled) {
    return (
      <Notice kind="warning">
        <strong>Warning:</strong> {e.disabledReason ? <>Mailroom switched this endpoint off {formatDate(e.disabledAt)}: {e.disabledReason}.</> : <>This endpoint is switched off.</>} No new events are queued
        for it{e.health.pending ? `; ${e.health.pending} waiting deliveries are sent once it is switched on again` : ''}.
      </Notice>
    );
  }
  if (e.health.state !== 'failing') return null;
  return (
    <Notice kind="warning">
      <strong>Warning:</strong> every attempt since {formatDate(e.health.firstFailureAt)} failed ({e.health.consecutiveFailures} in a row; see the delivery log). Deliveries are retried on their schedule
      {e.health.autoDisableAt ? <>; if nothing succeeds, Mailroom switches the endpoint off on {formatDate(e.health.autoDisableAt)}</> : null}.
    </Notice>
  );
}
