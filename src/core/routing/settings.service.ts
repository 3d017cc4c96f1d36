import { isDeepStrictEqual } from 'node:util';
import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import type { MailDriver } from '../senders/deploy-vars.js';
import { ErrorCodes, MailroomError } from '../kernel/errors.js';
import { spokenInstant } from '../kernel/instants.js';
import { doc, int, onlyKeys } from '../kernel/validate.js';
import type { Branding } from '../templates/branding.js';
import type { ContactAutoReplySettings } from '../notify/contact-auto-reply.js';
import type { ReportMailSettings } from '../notify/report-mail.js';
import type { SoftBounceSettings } from '../inbound/soft-bounces.js';
import type { RetentionSettings } from '../outbox/retention.js';
import { EDITABLE_SETTINGS, ENV_WRITER, normalizeSettingsPatch, readContactAutoReply, readReportMail, readSoftBounces, SETTING_DEFAULTS, type EditableSetting } from './settings.js';

export type SettingSource = 'env' | 'database' | 'default';

export interface SettingView<T> {
  value: T;
  /** Where the value comes from: the environment, an admin's change, or the built-in default. */
  source: SettingSource;
  /** True when the API cannot change it (set only by the environment). */
  locked: boolean;
  lockedReason?: string;
  updatedAt?: number;
  updatedBy?: string | null;
  /**
   * Changes with every save that changes the value (0: never saved). A PATCH that names it in
   * `versions` is refused when someone saved the setting since it was read.
   */
  version?: number;
}

export interface SettingsView {
  mailDriver: SettingView<MailDriver>;
  defaultAccountId: SettingView<string | null>;
  globalCc: SettingView<string[]>;
  globalBcc: SettingView<string[]>;
  branding: SettingView<Branding>;
  defaultLocale: SettingView<string>;
  contactAutoReply: SettingView<ContactAutoReplySettings>;
  reports: SettingView<ReportMailSettings>;
  softBounces: SettingView<SoftBounceSettings>;
  retention: SettingView<RetentionSettings>;
}

/** What the wiring knows about the environment and hands to the settings view. */
export interface DeployFacts {
  mailDriver: MailDriver;
  /** MAILROOM_MAIL_DRIVER was set explicitly. */
  mailDriverFromEnv: boolean;
}

export async function getSettings(ctx: CoreContext, facts: DeployFacts): Promise<SettingsView> {
  const rows = await ctx.store.repos.settings.all();
  const view = <K extends EditableSetting>(k: K): SettingView<SettingsView[K]['value']> => {
    const row = rows[k];
    if (!row) return { value: SETTING_DEFAULTS[k] as SettingsView[K]['value'], source: 'default', locked: false, version: 0 };
    return {
      value: row.value as SettingsView[K]['value'],
      // The deploy-time configuration writes the default account as "env"; an admin's write makes it "database".
      source: row.updatedBy === ENV_WRITER ? 'env' : 'database',
      locked: false,
      updatedAt: row.updatedAt,
      updatedBy: row.updatedBy,
      // The time of the last change, made unique per setting as it is written (settingVersionAfter).
      version: row.updatedAt,
    };
  };
  return {
    mailDriver: {
      value: facts.mailDriver,
      source: facts.mailDriverFromEnv ? 'env' : 'default',
      locked: true,
      lockedReason: 'the mail driver is chosen at deploy time with MAILROOM_MAIL_DRIVER (smtp or log) and cannot be changed through the API',
    },
    defaultAccountId: view('defaultAccountId'),
    globalCc: view('globalCc'),
    globalBcc: view('globalBcc'),
    branding: view('branding'),
    defaultLocale: view('defaultLocale'),
    contactAutoReply: view('contactAutoReply'),
    reports: ((v) => ({ ...v, value: { ...SETTING_DEFAULTS.reports, ...v.value } }))(view('reports')),
    softBounces: view('softBounces'),
    retention: view('retention'),
  };
}

export async function updateSettings(ctx: CoreContext, actor: Actor, input: unknown, facts: DeployFacts): Promise<SettingsView> {
  if (input && typeof input === 'object' && 'mailDriver' in input) {
    throw new MailroomError(ErrorCodes.LOCKED, 'mailDriver is set at deploy time with MAILROOM_MAIL_DRIVER and cannot be changed through the API', { field: 'mailDriver' });
  }
  const { versions, values } = splitVersions(input);
  await ctx.store.transaction(async (repos) => {
    // A save made since the caller read a setting it names is refused before anything is judged:
    // a stale form (another tab, another admin) sent its whole value and erased the change.
    const rows = await repos.settings.all();
    for (const [k, sent] of Object.entries(versions)) {
      const current = rows[k]?.updatedAt ?? 0;
      if (current !== sent) throw settingChanged(k, current, rows[k]?.updatedBy ?? null);
    }
    const patch = normalizeSettingsPatch(values, { contactAutoReply: await readContactAutoReply(repos), reports: await readReportMail(repos), softBounces: await readSoftBounces(repos) });
    // The accounts the patch names must exist, and are held until it is saved: none can be deleted meanwhile.
    for (const [field, id] of [['contactAutoReply.accountId', patch.contactAutoReply?.accountId], ['reports.accountId', patch.reports?.accountId]] as const) {
      if (id && !(await repos.accounts.hold(id))) throw new MailroomError(ErrorCodes.VALIDATION, `${field}: account ${id} does not exist`, { field });
    }
    // Each per-report override names an account that exists (on its server, when it names one).
    for (const [i, o] of (patch.reports?.overrides ?? []).entries()) {
      const field = `reports.overrides[${i}]`;
      const account = await repos.accounts.hold(o.accountId);
      if (!account) throw new MailroomError(ErrorCodes.VALIDATION, `${field}.accountId: account ${o.accountId} does not exist`, { field: `${field}.accountId` });
      if (o.serverId && !(await repos.servers.hold(o.serverId))) throw new MailroomError(ErrorCodes.VALIDATION, `${field}.serverId: server ${o.serverId} does not exist`, { field: `${field}.serverId` });
      if (o.serverId && account.serverId !== o.serverId) throw new MailroomError(ErrorCodes.VALIDATION, `${field}.accountId: account ${account.address} does not send through server ${o.serverId}`, { field: `${field}.accountId` });
    }
    const reportServer = patch.reports?.serverId;
    if (reportServer) {
      if (!(await repos.servers.hold(reportServer))) throw new MailroomError(ErrorCodes.VALIDATION, `reports.serverId: server ${reportServer} does not exist`, { field: 'reports.serverId' });
      const account = patch.reports?.accountId ? await repos.accounts.get(patch.reports.accountId) : undefined;
      if (account && account.serverId !== reportServer) throw new MailroomError(ErrorCodes.VALIDATION, `reports.accountId: account ${account.address} does not send through server ${reportServer}`, { field: 'reports.accountId' });
    }
    if (patch.defaultAccountId) {
      const account = await repos.accounts.hold(patch.defaultAccountId);
      if (!account) throw new MailroomError(ErrorCodes.VALIDATION, `defaultAccountId: account ${patch.defaultAccountId} does not exist`, { field: 'defaultAccountId' });
      if (!account.active) throw new MailroomError(ErrorCodes.ACCOUNT_INACTIVE, `defaultAccountId: account ${account.address} is switched off; activate it first`, { field: 'defaultAccountId' });
    }
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const k of EDITABLE_SETTINGS) {
      if (patch[k] === undefined) continue;
      const current = (await repos.settings.get(k)) ?? SETTING_DEFAULTS[k];
      // A value given as it is (an admin's, the environment's or the default) changes nothing:
      // not written, so its source stays, and not audited (docs/api.md, Conventions). A form sent
      // again as it was loaded wrote an entry whose before and after were the same.
      if (isDeepStrictEqual(current, patch[k])) continue;
      before[k] = current;
      after[k] = patch[k];
      // An admin's value, even null, overrides the environment's from now on (source "database").
      // Written only if still the version checked above (a concurrent save on PostgreSQL).
      const previous = rows[k]?.updatedAt ?? 0;
      const written = await repos.settings.set(k, patch[k], actor.label, { at: settingVersionAfter(previous, ctx.clock.now()), ifVersion: versions[k] === undefined ? undefined : previous });
      if (!written) throw settingChanged(k, (await repos.settings.all())[k]?.updatedAt ?? 0, null);
    }
    if (Object.keys(after).length) await audit(repos, ctx, actor, 'settings.update', { type: 'settings', id: null }, before, after);
  });
  return getSettings(ctx, facts);
}

/**
 * A setting's next version: the time of the change, and always above the one before (two saves
 * in one millisecond, or a clock set back, must not give a stale form the version it read).
 */
function settingVersionAfter(previous: number, now: number): number {
  return Math.max(now, previous + 1);
}

/** `versions` (each named setting's version as read) apart from the values to save. */
function splitVersions(input: unknown): { versions: Partial<Record<EditableSetting, number>>; values: unknown } {
  if (!input || typeof input !== 'object' || Array.isArray(input) || !('versions' in input)) return { versions: {}, values: input };
  const { versions: raw, ...values } = input as Record<string, unknown>;
  const d = doc('versions', raw);
  onlyKeys('versions', d, EDITABLE_SETTINGS);
  const versions: Partial<Record<EditableSetting, number>> = {};
  for (const k of EDITABLE_SETTINGS) if (d[k] !== undefined) versions[k] = int(`versions.${k}`, d[k], 0, Number.MAX_SAFE_INTEGER);
  return { versions, values };
}

function settingChanged(setting: string, current: number, by: string | null): MailroomError {
  const when = current ? ` at ${spokenInstant(current)}` : '';
  const who = by && by !== ENV_WRITER ? ` by ${by}` : '';
  return new MailroomError(ErrorCodes.VERSION_CONFLICT, `${setting} was changed${who}${when} after you read it: nothing was saved; read the settings again and make your change again`, {
    field: `versions.${setting}`,
    setting,
    version: current,
  });
}
