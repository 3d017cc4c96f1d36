import { parseMailbox } from '../kernel/addresses.js';
import { invalid } from '../kernel/errors.js';
import type { Repositories } from '../ports.js';
import { arr, doc, onlyKeys, optStr } from '../kernel/validate.js';
import { DEFAULT_BRANDING, normalizeBranding, type Branding } from '../templates/branding.js';
import { FALLBACK_LOCALE, localeTag } from '../templates/locales.js';
import { DEFAULT_CONTACT_AUTO_REPLY, parseContactAutoReply, type ContactAutoReplySettings } from '../notify/contact-auto-reply.js';
import { DEFAULT_REPORT_MAIL, parseReportMail, type ReportMailSettings } from '../notify/report-mail.js';
import { DEFAULT_SOFT_BOUNCES, parseSoftBounces, type SoftBounceSettings } from '../inbound/soft-bounces.js';
import { DEFAULT_RETENTION, parseRetention, type RetentionSettings } from '../outbox/retention.js';

/**
 * Settings an admin may change through the API (stored in the `settings` table). Values that
 * come from the environment (the mail driver) are reported beside them but never stored.
 */
export interface RoutingSettings {
  /** The system default sender; null: resolution falls through to the first active account. */
  defaultAccountId: string | null;
  /** Copies added to the messages of purposes with `globalCopies` on. */
  globalCc: string[];
  globalBcc: string[];
}

/** Settings of the templates: the brand every layout shows, and the locale the fallback chain tries before English. */
export interface TemplateSettings {
  branding: Branding;
  defaultLocale: string;
}

/** Settings of the notification rules' built-ins (core/notify). */
export interface NotifySettings {
  contactAutoReply: ContactAutoReplySettings;
  reports: ReportMailSettings;
}

/** Settings of the inbound side (core/inbound): when soft bounces suppress an address. */
export interface InboundPolicySettings {
  softBounces: SoftBounceSettings;
}

/** How long the email log keeps finished messages (core/outbox/retention.ts). */
export interface LogSettings {
  retention: RetentionSettings;
}

type AllSettings = RoutingSettings & TemplateSettings & NotifySettings & InboundPolicySettings & LogSettings;

export const SETTING_DEFAULTS: Readonly<AllSettings> = Object.freeze({
  defaultAccountId: null,
  globalCc: [],
  globalBcc: [],
  branding: DEFAULT_BRANDING,
  defaultLocale: FALLBACK_LOCALE,
  contactAutoReply: DEFAULT_CONTACT_AUTO_REPLY,
  reports: DEFAULT_REPORT_MAIL,
  softBounces: DEFAULT_SOFT_BOUNCES,
  retention: DEFAULT_RETENTION,
});

export const EDITABLE_SETTINGS = ['defaultAccountId', 'globalCc', 'globalBcc', 'branding', 'defaultLocale', 'contactAutoReply', 'reports', 'softBounces', 'retention'] as const;
export type EditableSetting = (typeof EDITABLE_SETTINGS)[number];

/**
 * Marks a stored setting as written by the deploy-time configuration rather than an admin,
 * so it can be re-applied at each start without overwriting the admin's choice.
 */
export const ENV_WRITER = 'env';

export async function readRoutingSettings(repos: Repositories): Promise<RoutingSettings> {
  const [defaultAccountId, globalCc, globalBcc] = await Promise.all([
    repos.settings.get<string | null>('defaultAccountId'),
    repos.settings.get<string[]>('globalCc'),
    repos.settings.get<string[]>('globalBcc'),
  ]);
  return {
    defaultAccountId: defaultAccountId ?? SETTING_DEFAULTS.defaultAccountId,
    globalCc: globalCc ?? [],
    globalBcc: globalBcc ?? [],
  };
}

function addressList(field: string, v: unknown): string[] {
  const list = arr(field, v, 50).map((x, i) => {
    if (typeof x !== 'string') throw invalid(`${field}[${i}]`, 'must be a string');
    const m = parseMailbox(`${field}[${i}]`, x);
    if (m.name) throw invalid(`${field}[${i}]`, 'must be a bare address (no display name)');
    return m.address;
  });
  return [...new Set(list)];
}

/** The contact auto-reply as stored, or its defaults (switched off). */
export async function readContactAutoReply(repos: Repositories): Promise<ContactAutoReplySettings> {
  return (await repos.settings.get<ContactAutoReplySettings>('contactAutoReply')) ?? SETTING_DEFAULTS.contactAutoReply;
}

/** Report mail as stored, or its defaults (switched off, the default sender). */
export async function readReportMail(repos: Repositories): Promise<ReportMailSettings> {
  const stored = await repos.settings.get<ReportMailSettings>('reports');
  // Stored before `overrides` existed: the fields it lacks take their defaults.
  return stored ? { ...SETTING_DEFAULTS.reports, ...stored } : SETTING_DEFAULTS.reports;
}

/**
 * The settings that name the account `id`, as paths (`defaultAccountId`,
 * `reports.overrides[2].accountId`): an account they name is not deleted. Stored values count
 * even where they are not used now (a switched-off auto-reply, reports on the default sender):
 * switched back, they would send from an account that is gone.
 */
export async function settingsNamingAccount(repos: Repositories, id: string): Promise<string[]> {
  const out: string[] = [];
  if ((await readRoutingSettings(repos)).defaultAccountId === id) out.push('defaultAccountId');
  if ((await readContactAutoReply(repos)).accountId === id) out.push('contactAutoReply.accountId');
  const reports = await readReportMail(repos);
  if (reports.accountId === id) out.push('reports.accountId');
  for (const [i, o] of reports.overrides.entries()) if (o.accountId === id) out.push(`reports.overrides[${i}].accountId`);
  return out;
}

/** The settings that name server `id` (paths such as `reports.overrides[0].serverId`), even while unused. */
export async function settingsNamingServer(repos: Repositories, id: string): Promise<string[]> {
  const reports = await readReportMail(repos);
  const out = reports.serverId === id ? ['reports.serverId'] : [];
  for (const [i, o] of reports.overrides.entries()) if (o.serverId === id) out.push(`reports.overrides[${i}].serverId`);
  return out;
}

/** The soft-bounce policy as stored, or its defaults (3 within 7 days). */
export async function readSoftBounces(repos: Repositories): Promise<SoftBounceSettings> {
  return (await repos.settings.get<SoftBounceSettings>('softBounces')) ?? SETTING_DEFAULTS.softBounces;
}

/** The email log's retention as stored, or its default (kept forever). */
export async function readRetention(repos: Repositories): Promise<RetentionSettings> {
  return (await repos.settings.get<RetentionSettings>('retention')) ?? SETTING_DEFAULTS.retention;
}

/**
 * Validates a PATCH of the settings; only the given keys are returned. Object settings given
 * in part (contactAutoReply, reports, softBounces) are completed from `prev`, their current values.
 */
export function normalizeSettingsPatch(input: unknown, prev: Partial<NotifySettings & InboundPolicySettings> = {}): Partial<AllSettings> {
  const d = doc('settings', input);
  onlyKeys('settings', d, EDITABLE_SETTINGS);
  const out: Partial<AllSettings> = {};
  if (d.defaultAccountId !== undefined) out.defaultAccountId = optStr('defaultAccountId', d.defaultAccountId, { max: 40 }) ?? null;
  if (d.globalCc !== undefined) out.globalCc = addressList('globalCc', d.globalCc);
  if (d.globalBcc !== undefined) out.globalBcc = addressList('globalBcc', d.globalBcc);
  if (d.branding !== undefined) out.branding = normalizeBranding(d.branding);
  if (d.defaultLocale !== undefined) out.defaultLocale = localeTag('defaultLocale', d.defaultLocale);
  if (d.contactAutoReply !== undefined) out.contactAutoReply = parseContactAutoReply(d.contactAutoReply, prev.contactAutoReply);
  if (d.reports !== undefined) out.reports = parseReportMail(d.reports, prev.reports);
  if (d.softBounces !== undefined) out.softBounces = parseSoftBounces(d.softBounces, prev.softBounces);
  if (d.retention !== undefined) out.retention = parseRetention(d.retention);
  return out;
}
