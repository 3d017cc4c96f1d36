import { api, type List, type MailAccount, type MailServer, type MessageStatus, type MessageSummary, type Settings } from '../../api.js';

/** What is saved that the wizard's steps make: read from the API, so any browser resumes alike. */
export interface Saved {
  servers: readonly MailServer[];
  accounts: readonly MailAccount[];
  defaultAccountId: string | null;
  /** The newest test email of the account the wizard resumes with, whatever became of it. */
  testEmail: MessageSummary | null;
}

/** What is saved of one account that decides its steps 4 to 6. */
export interface AccountState {
  /** Its newest test email (purpose "test"), whatever became of it; null: none was sent. */
  testEmail: MessageSummary | null;
  isDefault: boolean;
}

/** Where the wizard opens: the step, which steps are done, and the server and account they saved. */
export interface ResumePoint extends AccountState {
  step: number;
  /** The furthest step that may be opened. */
  reached: number;
  /** Steps done by what is saved (a server, an account, a test email that went out, the default sender). */
  done: readonly number[];
  server: MailServer | null;
  account: MailAccount | null;
}

export const STEP = { provider: 0, server: 1, account: 2, connection: 3, testEmail: 4, defaultSender: 5 } as const;

/**
 * A test email that went out from the account: the server took it. One on its way (queued,
 * sending, deferred) has not yet, and one that failed, expired or was cancelled never did: step 5
 * then shows it (live, or why it failed) and offers to send again, and the connection is not
 * counted as tested by it.
 */
const WENT_OUT: readonly MessageStatus[] = ['sent', 'logged'];
export const wentOut = (m: MessageSummary | null): boolean => m !== null && WENT_OUT.includes(m.status);

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
 * The first step not done for this server and account. A saved server means a provider was
 * chosen; a saved account the server and account steps. A connection test leaves nothing saved:
 * it counts as done once a test email went out (which needs the connection) or the account is the
 * default sender. A test email not (yet) gone out opens step 5, which shows it; none, step 4.
 * The same rules serve a reload and a switch to another saved server or account in the wizard.
 */
export function pointFor(server: MailServer | null, account: MailAccount | null, state: AccountState): ResumePoint {
  const mine = account ? state : { testEmail: null, isDefault: false };
  const at = (step: number, done: number[]): ResumePoint => ({ step, reached: Math.max(step, ...done), done, server, account, ...mine });
  if (!server) return at(STEP.provider, []);
  if (!account) return at(STEP.account, [STEP.provider, STEP.server]);
  const saved = [STEP.provider, STEP.server, STEP.account];
  const sent = wentOut(mine.testEmail);
  if (mine.isDefault) {
    return sent ? at(STEP.defaultSender, [...saved, STEP.connection, STEP.testEmail, STEP.defaultSender]) : at(STEP.testEmail, [...saved, STEP.connection, STEP.defaultSender]);
  }
  if (sent) return at(STEP.defaultSender, [...saved, STEP.connection, STEP.testEmail]);
  // On its way, or failed: step 5 follows it (or says why it failed) and offers to send again.
  if (mine.testEmail) return at(STEP.testEmail, saved);
  return at(STEP.connection, saved);
}

export function resumePoint(saved: Saved): ResumePoint {
  const { server, account } = resumeWith(saved.servers, saved.accounts, saved.defaultAccountId);
  return pointFor(server, account, { testEmail: saved.testEmail, isDefault: account !== null && account.id === saved.defaultAccountId });
}

/** The newest test email from the account: of purpose "test" (the wizard's and the Accounts page's alike). */
async function newestTestEmail(accountId: string): Promise<MessageSummary | null> {
  const tests = await api.get<List<MessageSummary>>('/messages', { purpose: 'test', accountId, direction: 'out', limit: 1 });
  return tests.items[0] ?? null;
}

/** Reads what is saved: servers, accounts, the default sender and the newest test email of the account resumed with. */
export async function loadSaved(): Promise<Saved> {
  const [servers, accounts, settings] = await Promise.all([api.get<List<MailServer>>('/servers'), api.get<List<MailAccount>>('/accounts'), api.get<Settings>('/settings')]);
  const defaultAccountId = settings.defaultAccountId.value;
  const { account } = resumeWith(servers.items, accounts.items, defaultAccountId);
  return { servers: servers.items, accounts: accounts.items, defaultAccountId, testEmail: account ? await newestTestEmail(account.id) : null };
}

/** What is saved of one account (picked or saved in the wizard): its newest test email and whether it is the default sender. */
export async function loadAccountState(account: MailAccount): Promise<AccountState> {
  const [testEmail, settings] = await Promise.all([newestTestEmail(account.id), api.get<Settings>('/settings')]);
  return { testEmail, isDefault: settings.defaultAccountId.value === account.id };
}
