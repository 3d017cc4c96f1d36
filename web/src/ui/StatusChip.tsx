const CHIP_KIND: Record<string, string> = {
  sent: 'ok',
  logged: 'ok',
  pass: 'ok',
  accepted: 'ok',
  queued: 'neutral',
  sending: 'info',
  partial: 'warn',
  deferred: 'warn',
  skip: 'neutral',
  failed: 'bad',
  fail: 'bad',
  rejected: 'bad',
  bounced: 'bad',
  expired: 'bad',
  cancelled: 'neutral',
  suppressed: 'warn',
  received: 'info',
  quarantined: 'bad',
  watching: 'ok',
  syncing: 'info',
  // webhook deliveries and endpoints
  succeeded: 'ok',
  pending: 'neutral',
  healthy: 'ok',
  idle: 'neutral',
  failing: 'warn',
  disabled: 'bad',
  // confirmed test emails
  confirmed: 'ok',
  timeout: 'warn',
  reader_failing: 'bad',
};

/** A message's, recipient's, attempt's, probe step's or webhook's status, coloured by what it means. */
export function StatusChip({ status }: { status: string }) {
  return <span className={`chip chip-${CHIP_KIND[status] ?? 'neutral'}`}>{status}</span>;
}
