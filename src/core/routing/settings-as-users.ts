import type { UsersOfKind } from '../kernel/in-use.js';

/** What the admin UI calls each setting that can name an account or a server. */
const WORDS: Record<string, string> = {
  defaultAccountId: 'system default account',
  'contactAutoReply.accountId': "contact auto-reply's account",
  'reports.accountId': "report mail's account",
  'reports.serverId': "report mail's server",
};

/** `reports.overrides[1].accountId` → "report mail's account for individual report 2", as the Reports page numbers them. */
function inWords(path: string): string {
  const override = /^reports\.overrides\[(\d+)\]\.(accountId|serverId)$/.exec(path);
  if (override) return `report mail's ${override[2] === 'accountId' ? 'account' : 'server'} for individual report ${Number(override[1]) + 1}`;
  return WORDS[path] ?? path;
}

/**
 * The settings that name what is being deleted, as users of it: `details` keep the paths
 * integrators use, the message says each in the admin UI's words with its path beside it (a
 * refusal shown in the UI read "the setting defaultAccountId").
 */
export function settingsAsUsers(paths: readonly string[]): UsersOfKind {
  return { kind: 'settings', noun: ['setting', 'settings'], items: paths.map((p) => ({ id: p, shown: `${inWords(p)} (${p})` })) };
}
