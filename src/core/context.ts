import type { AuditAction, AuditTargetType } from './kernel/audit-actions.js';
import type { Actor } from './kernel/audit.js';
import { redact } from './kernel/audit.js';
import type { Clock } from './kernel/clock.js';
import { newId } from './kernel/ids.js';
import type { MessageEvents } from './kernel/message-events.js';
import type { Repositories, Store } from './ports.js';
import type { TemplatePorts } from './templates/ports.js';

/** What every core service needs: the store, the time, and where to say what happened. Nothing else is global. */
import type { QueueCounts } from './outbox/queue-counts.js';

export interface CoreContext {
  store: Store;
  clock: Clock;
  /** Committed changes to messages are published here (after the commit, never before). */
  events: MessageEvents;
  /** The template engine and the built-in templates: rendering is part of accepting a message. */
  templates: TemplatePorts;
  /** The outbox's counts, shared by the status strip and the metrics once the queue is deep. */
  queueCounts: QueueCounts;
  /**
   * Why server settings cannot be written right now (e.g. the log driver is active), or
   * undefined when they can. Set by the wiring from the deploy-time configuration.
   */
  serverWritesLockedReason?: string;
}

/** Appends one audit entry inside the caller's transaction; before/after are redacted here. */
export async function audit(
  repos: Repositories,
  ctx: CoreContext,
  actor: Actor,
  action: AuditAction,
  target: { type: AuditTargetType; id: string | null },
  before?: unknown,
  after?: unknown,
): Promise<void> {
  await repos.audit.append({
    id: newId('aud'),
    at: ctx.clock.now(),
    actor: actor.label,
    action,
    targetType: target.type,
    targetId: target.id,
    before: before === undefined ? undefined : redact(before),
    after: after === undefined ? undefined : redact(after),
    ip: actor.ip,
  });
}
