import { api, type List, type MailAccount, type MailServer, type MessageSummary, type Settings } from '../../api.js';

/** What is saved that the wizard's steps make: read from the API, so any browser resumes alike. */
export interface Saved {
  servers: readonly MailServer[];
  accounts: readonly MailAccount[];
  defaultAccountId: string | null;
  /** The newest test email of the account the wizard resumes with, if one was sent. */
  testEmail: MessageSummary | null;
}

/** Where the wizard opens: the step, which steps are done, and the server and account they saved. */
export interface ResumePoint {
  step: number;
  /** The furthest step that may be opened. */
  reached: number;
  /** Steps done by what is saved (a test email sent, the default sender chosen), whatever was reached in this visit. */
  done: readonly number[];
  server: MailServer | null;
  account: MailAccount | null;
  testEmail: MessageSummary | null;
  isDefault: boolean;
}

export const STEP = { provider: 0, server: 1, account: 2, connection: 3, testEmail: 4, defaultSender: 5 } as const;

const newest = <T extends { createdAt: string }>(items: readonly T[]): T | null => items.reduce<T | null>((a, b) => (!a || Date.parse(b.createdAt) > Date.parse(a.createdAt) ? b : a), null);

/**
 * The account the wizard goes on with: the default sender once there is one, else the newest
 * account (the one set up last); and its server, or the newest server while there is no account.
 */
export function resumeWith(servers: readonly MailServer[], accounts: readonly MailAccount[], defaultAccountId: string | null): { server: MailServer | null; account: MailAccount | null } {
  const onAServer = accounts.filter((a) => servers.some((s) => s.id === a.serverId));
  const account = onAServer.find((a) => a.id === defaultAccountId) ?? newest(onAServer);
  const server = (account && servers.find((s) => s.id === account.serverId)) ?? newest(servers);
  return { server, account };
}

/**
 * The first step not done by what is saved. A saved server means a provider was chosen; a saved
 * account the server and account steps. A connection test leaves nothing saved: it counts as done
 * once a test email went out (which needs the connection) or the account is the default sender.
 */
export function resumePoint(saved: Saved): ResumePoint {
  const { server, account } = resumeWith(saved.servers, saved.accounts, saved.defaultAccountId);
  const isDefault = account !== null && account.id === saved.defaultAccountId;
  const at = (step: number, done: number[] = []): ResumePoint => ({ step, reached: Math.max(step, ...done), done, server, account, testEmail: saved.testEmail, isDefault });
  if (!server) return at(STEP.provider);
  if (!account) return at(STEP.account);
  if (isDefault) return saved.testEmail ? at(STEP.defaultSender, [STEP.testEmail, STEP.defaultSender]) : at(STEP.testEmail, [STEP.defaultSender]);
  if (saved.testEmail) return at(STEP.defaultSender, [STEP.testEmail]);
  return at(STEP.connection);
}

/** Reads what is saved: servers, accounts, the default sender and the newest test email of the account resumed with. */
export async function loadSaved(): Promise<Saved> {
  const [servers, accounts, settings] = await Promise.all([api.get<List<MailServer>>('/servers'), api.get<List<MailAccount>>('/accounts'), api.get<Settings>('/settings')]);
  const defaultAccountId = settings.defaultAccountId.value;
  const { account } = resumeWith(servers.items, accounts.items, defaultAccountId);
  // Test emails are messages of purpose "test" from the account (the wizard's and the Accounts page's alike).
  const tests = account ? await api.get<List<MessageSummary>>('/messages', { purpose: 'test', accountId: account.id, direction: 'out', limit: 1 }) : null;
  return { servers: servers.items, accounts: accounts.items, defaultAccountId, testEmail: tests?.items[0] ?? null };
}
