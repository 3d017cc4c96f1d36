import { notAllowed } from './errors.js';

/**
 * Every action the audit log records, and every kind of target. `audit()` accepts only these, so
 * the compiler keeps the list whole; GET /audit refuses a filter outside it, so a mistyped action
 * (`server.updated`) is an error that names the known ones, not an empty page that looks like
 * nothing happened. docs/api.md ("Audit actions") lists the same, and a test holds them equal.
 */
export const AUDIT_ACTIONS = [
  'server.create', 'server.update', 'server.delete',
  'account.create', 'account.update', 'account.delete', 'account.password_cleared', 'account.test', 'account.oauth2_connected',
  'user.create', 'user.update', 'user.delete', 'user.password_reset', 'user.password_change', 'user.profile_update',
  'apikey.create', 'apikey.revoke',
  'session.login', 'session.login_failed',
  'purpose.create', 'purpose.update', 'purpose.delete',
  'settings.update', 'settings.reports_test',
  'message.retry', 'message.cancel', 'message.bulk_retry', 'message.bulk_cancel', 'message.failed', 'message.expired', 'message.retention_delete',
  'diagnostics.smtp', 'diagnostics.imap',
  'dkim.create', 'dkim.rotate', 'dkim.delete',
  'template.create', 'template.update', 'template.reset', 'template.delete', 'template.test',
  'layout.create', 'layout.update', 'layout.reset', 'layout.delete',
  'webhook.create', 'webhook.update', 'webhook.delete', 'webhook.rotate_secret', 'webhook.test', 'webhook.replay', 'webhook.bulk_replay', 'webhook.auto_disable',
  'smtp_credential.create', 'smtp_credential.update', 'smtp_credential.rotate', 'smtp_credential.delete',
  'rule.create', 'rule.update', 'rule.delete', 'rule.reorder',
  'secret_provider.create', 'secret_provider.update', 'secret_provider.delete', 'secret_provider.test',
  'secret.create', 'secret.update', 'secret.rotate', 'secret.delete',
  'suppression.add', 'suppression.remove',
  'relay.auth_failed', 'relay.auth_throttled',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an entry's `targetType` can be (`diagnostic`: a diagnostic of settings not saved as a server or account). */
export const AUDIT_TARGET_TYPES = [
  'account', 'apikey', 'diagnostic', 'dkim', 'layout', 'message', 'purpose', 'rule', 'secret', 'secret_provider',
  'server', 'settings', 'smtp_credential', 'suppression', 'template', 'user', 'webhook',
] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/**
 * Refuses an `action` or `targetType` filter the audit log never records. The message names the
 * actions of the same kind (`server.updated` → server.create, server.update, server.delete), or
 * the kinds; `details.allowed` lists every accepted value.
 */
export function checkAuditFilters(filters: { action?: string; targetType?: string }): void {
  const { action, targetType } = filters;
  if (action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(action)) {
    const kind = action.split('.')[0];
    const sameKind = AUDIT_ACTIONS.filter((a) => a.startsWith(`${kind}.`));
    const hint = sameKind.length ? `${kind}'s actions are ${sameKind.join(', ')}` : `actions are named <kind>.<verb>, of the kinds ${[...new Set(AUDIT_ACTIONS.map((a) => a.split('.')[0]))].join(', ')}`;
    throw notAllowed('action', `"${action}" is not an action the audit log records; ${hint}`, AUDIT_ACTIONS);
  }
  if (targetType !== undefined && !(AUDIT_TARGET_TYPES as readonly string[]).includes(targetType)) {
    throw notAllowed('targetType', `"${targetType}" is not a target type of the audit log; use one of ${AUDIT_TARGET_TYPES.join(', ')}`, AUDIT_TARGET_TYPES);
  }
}
