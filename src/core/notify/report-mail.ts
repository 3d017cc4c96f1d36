import { invalid } from '../kernel/errors.js';
import { arr, bool, doc, onlyKeys, optStr, str } from '../kernel/validate.js';
import { fillPlaceholders, subjectAndBody, textOf, type BuiltinPlan } from './builtin-mail.js';
import type { NotifyEvent } from './events.js';
import { REPORT_OVERRIDES_MAX } from './report-limits.js';

/**
 * Report mail: a built-in rule for `report.ready` events with its own settings — a global
 * switch, the default sender (the `report` purpose) or a specific server and account, a
 * default subject and body with `{name}`, `{period}` and `{url}` filled in as plain text.
 * Individual reports may override the server and account: an admin lists them in `overrides`
 * (matched by the report's id or name), or a report event names its own account
 * (`data.accountId`, `data.serverId`), which needs an API key allowed to override, as for any
 * message, and wins over the admin's list.
 */
export interface ReportOverride {
  /** The report it applies to: `data.report.id` or `data.report.name` of the event, compared without case. */
  report: string;
  serverId: string | null;
  accountId: string;
}

export interface ReportMailSettings {
  enabled: boolean;
  /** true: the `report` purpose decides the account (its accounts, then the default sender). */
  useDefault: boolean;
  serverId: string | null;
  accountId: string | null;
  subject: string;
  body: string;
  /** Per-report senders chosen by an admin (at most 100). */
  overrides: ReportOverride[];
}

export { REPORT_OVERRIDES_MAX };

export const REPORT_EVENT = 'report.ready';
export const REPORT_RULE_ID = 'report-mail';
export const REPORT_PURPOSE = 'report';

/** What the report mail's subject and body may name: the values it fills in (reportValues). */
export const REPORT_PLACEHOLDERS = ['name', 'period', 'url'] as const;

export const DEFAULT_REPORT_MAIL: Readonly<ReportMailSettings> = Object.freeze({
  enabled: false,
  useDefault: true,
  serverId: null,
  accountId: null,
  subject: 'Report ready: {name}',
  body: 'Hello,\n\nthe report "{name}" ({period}) is ready:\n{url}\n',
  overrides: [],
});

/** Sample values for the test mail (send-test-email-to-me). */
export const SAMPLE_REPORT = { name: 'Weekly security summary', period: '2026-W48', url: 'https://app.example.com/reports/weekly' } as const;

export function parseReportMail(v: unknown, prev: ReportMailSettings = DEFAULT_REPORT_MAIL): ReportMailSettings {
  const d = doc('reports', v);
  onlyKeys('reports', d, ['enabled', 'useDefault', 'serverId', 'accountId', 'subject', 'body', 'overrides']);
  const { subject, body } = subjectAndBody('reports', d, prev, REPORT_PLACEHOLDERS);
  const out: ReportMailSettings = {
    enabled: d.enabled === undefined ? prev.enabled : bool('reports.enabled', d.enabled),
    useDefault: d.useDefault === undefined ? prev.useDefault : bool('reports.useDefault', d.useDefault),
    serverId: d.serverId === undefined ? prev.serverId : (optStr('reports.serverId', d.serverId, { max: 40 }) ?? null),
    accountId: d.accountId === undefined ? prev.accountId : (optStr('reports.accountId', d.accountId, { max: 40 }) ?? null),
    subject,
    body,
    overrides: d.overrides === undefined ? (prev.overrides ?? []) : parseOverrides(d.overrides),
  };
  if (!out.useDefault && !out.accountId) throw invalid('reports.accountId', 'is required unless useDefault is true (choose the account reports are sent from)');
  return out;
}

function parseOverrides(v: unknown): ReportOverride[] {
  const seen = new Set<string>();
  return arr('reports.overrides', v, REPORT_OVERRIDES_MAX).map((item, i) => {
    const field = `reports.overrides[${i}]`;
    const d = doc(field, item);
    onlyKeys(field, d, ['report', 'serverId', 'accountId']);
    const report = str(`${field}.report`, d.report, { min: 1, max: 200 }).trim();
    if (!report) throw invalid(`${field}.report`, 'must name a report (its id or name)');
    if (seen.has(report.toLowerCase())) throw invalid(`${field}.report`, `names ${report} a second time`);
    seen.add(report.toLowerCase());
    return { report, serverId: optStr(`${field}.serverId`, d.serverId, { max: 40 }) ?? null, accountId: str(`${field}.accountId`, d.accountId, { min: 1, max: 40 }) };
  });
}

/** The admin's override for the report of this event (by its id, else its name), if any. */
export function reportOverride(settings: ReportMailSettings, data: Record<string, unknown>): ReportOverride | undefined {
  const report = data.report && typeof data.report === 'object' && !Array.isArray(data.report) ? (data.report as Record<string, unknown>) : {};
  const keys = [textOf(report.id), textOf(report.name ?? data.name)].map((k) => k.trim().toLowerCase()).filter(Boolean);
  return (settings.overrides ?? []).find((o) => keys.includes(o.report.toLowerCase()));
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
  const admin = own ? undefined : reportOverride(settings, event.data);
  return {
    kind: 'send',
    mail: {
      to,
      ...reportText(settings, reportValues(event.data)),
      purpose: REPORT_PURPOSE,
      accountId: own ? ownAccount : admin ? admin.accountId : settings.useDefault ? null : settings.accountId,
      serverId: own ? ownServer : admin ? admin.serverId : settings.useDefault ? null : settings.serverId,
      headers: {},
      // A report's own choice is the caller's (an override); the settings' (and their per-report list) the admin's.
      adminChoseAccount: !own,
    },
  };
}
