import { invalid } from '../kernel/errors.js';
import { bool, doc, onlyKeys, optStr } from '../kernel/validate.js';
import { fillPlaceholders, subjectAndBody, textOf, type BuiltinPlan } from './builtin-mail.js';
import type { NotifyEvent } from './events.js';

/**
 * Report mail: a built-in rule for `report.ready` events with its own settings — a global
 * switch, the default sender (the `report` purpose) or a specific server and account, a
 * default subject and body with `{name}`, `{period}` and `{url}` filled in as plain text. A
 * report may name its own account (`data.accountId`, `data.serverId`); choosing one needs an
 * API key allowed to override, as for any message.
 */
export interface ReportMailSettings {
  enabled: boolean;
  /** true: the `report` purpose decides the account (its accounts, then the default sender). */
  useDefault: boolean;
  serverId: string | null;
  accountId: string | null;
  subject: string;
  body: string;
}

export const REPORT_EVENT = 'report.ready';
export const REPORT_RULE_ID = 'report-mail';
export const REPORT_PURPOSE = 'report';

export const DEFAULT_REPORT_MAIL: Readonly<ReportMailSettings> = Object.freeze({
  enabled: false,
  useDefault: true,
  serverId: null,
  accountId: null,
  subject: 'Report ready: {name}',
  body: 'Hello,\n\nthe report "{name}" ({period}) is ready:\n{url}\n',
});

/** Sample values for the test mail (send-test-email-to-me). */
export const SAMPLE_REPORT = { name: 'Weekly security summary', period: '2026-W48', url: 'https://app.example.com/reports/weekly' } as const;

export function parseReportMail(v: unknown, prev: ReportMailSettings = DEFAULT_REPORT_MAIL): ReportMailSettings {
  const d = doc('reports', v);
  onlyKeys('reports', d, ['enabled', 'useDefault', 'serverId', 'accountId', 'subject', 'body']);
  const { subject, body } = subjectAndBody('reports', d, prev);
  const out: ReportMailSettings = {
    enabled: d.enabled === undefined ? prev.enabled : bool('reports.enabled', d.enabled),
    useDefault: d.useDefault === undefined ? prev.useDefault : bool('reports.useDefault', d.useDefault),
    serverId: d.serverId === undefined ? prev.serverId : (optStr('reports.serverId', d.serverId, { max: 40 }) ?? null),
    accountId: d.accountId === undefined ? prev.accountId : (optStr('reports.accountId', d.accountId, { max: 40 }) ?? null),
    subject,
    body,
  };
  if (!out.useDefault && !out.accountId) throw invalid('reports.accountId', 'is required unless useDefault is true (choose the account reports are sent from)');
  return out;
}

const reportValues = (data: Record<string, unknown>) => {
  const report = data.report && typeof data.report === 'object' && !Array.isArray(data.report) ? (data.report as Record<string, unknown>) : {};
  return { name: textOf(report.name ?? data.name), period: textOf(report.period ?? data.period), url: textOf(report.url ?? data.url) };
};

/** The report mail's subject and body with the placeholders filled. */
export function reportText(settings: ReportMailSettings, values: Record<string, string>): { subject: string; text: string } {
  return { subject: fillPlaceholders(settings.subject, values, { headerLine: true }), text: fillPlaceholders(settings.body, values, { headerLine: false }) };
}

/** What report mail makes of an event: nothing (another type, switched off), or one message per person the event names. */
export function planReportMail(settings: ReportMailSettings, event: NotifyEvent): BuiltinPlan {
  if (!settings.enabled || event.type !== REPORT_EVENT) return { kind: 'none' };
  const seen = new Set<string>();
  const to = Object.values(event.recipients)
    .flat()
    .filter((m) => !seen.has(m.address.toLowerCase()) && seen.add(m.address.toLowerCase()));
  if (!to.length) return { kind: 'skip', code: 'no_recipients', message: 'the report event names nobody in recipients' };
  const ownAccount = textOf(event.data.accountId) || null;
  const ownServer = textOf(event.data.serverId) || null;
  const own = ownAccount !== null || ownServer !== null;
  return {
    kind: 'send',
    mail: {
      to,
      ...reportText(settings, reportValues(event.data)),
      purpose: REPORT_PURPOSE,
      accountId: own ? ownAccount : settings.useDefault ? null : settings.accountId,
      serverId: own ? ownServer : settings.useDefault ? null : settings.serverId,
      headers: {},
      // A report's own choice is the caller's (an override); the settings' is the admin's.
      adminChoseAccount: !own,
    },
  };
}
