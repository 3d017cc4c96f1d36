import { Counter, Histogram, register } from 'prom-client';

// prom-client's registry is process-wide; tests build several apps in one process, so each
// metric is created once and found again afterwards.
function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

export const deliveryMetrics = {
  accepted: counter('mailroom_messages_accepted_total', 'Messages accepted into the outbox', ['source']),
  attempts: counter('mailroom_delivery_attempts_total', 'Delivery attempts by outcome', ['outcome']),
  finished: counter('mailroom_messages_finished_total', 'Messages that reached a final status', ['status']),
  attemptSeconds:
    (register.getSingleMetric('mailroom_delivery_attempt_seconds') as Histogram<string> | undefined) ??
    new Histogram({ name: 'mailroom_delivery_attempt_seconds', help: 'Duration of one delivery attempt', buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120] }),
};
