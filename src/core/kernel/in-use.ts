import { ErrorCodes, MailroomError } from './errors.js';

/** One kind of configuration that names the thing being deleted (purposes, rules, settings …). */
export interface UsersOfKind {
  /** Its key in the refusal's `details`. */
  kind: string;
  /** How the message calls one of them, and several. */
  noun: readonly [one: string, many: string];
  /** Each user: what `details` lists (its id or key) and how the message shows it. */
  items: readonly { id: string; shown: string }[];
}

/** Users named by their key (a purpose, a template, a setting's path): shown as they are. */
export function usersByKey(kind: string, noun: UsersOfKind['noun'], keys: readonly string[]): UsersOfKind {
  return { kind, noun, items: keys.map((k) => ({ id: k, shown: k })) };
}

/** Users with an id and a name (a rule, an SMTP credential): the id in `details`, the name quoted in the message. */
export function usersByName(kind: string, noun: UsersOfKind['noun'], rows: readonly { id: string; name: string }[]): UsersOfKind {
  return { kind, noun, items: rows.map((r) => ({ id: r.id, shown: `"${r.name}"` })) };
}

/**
 * The refusal to delete `what` (`account "x@example.com"`) while configuration still names it:
 * 409 MAILROOM_E_IN_USE whose message names every user by kind ("… is used by the purposes
 * alert, report; the rule "Digest"; point them at another account first", "it" for one) and whose `details`
 * list their ids under each kind (every kind given, an empty list where none). Undefined when
 * nothing uses it.
 */
export function inUseError(what: string, users: readonly UsersOfKind[], fix: string): MailroomError | undefined {
  const used = users.filter((u) => u.items.length > 0);
  if (!used.length) return undefined;
  const named = used.map((u) => `the ${u.items.length === 1 ? u.noun[0] : u.noun[1]} ${u.items.map((i) => i.shown).join(', ')}`);
  return new MailroomError(ErrorCodes.IN_USE, `${what} is used by ${named.join('; ')}; ${forHowMany(fix, used)}`, Object.fromEntries(users.map((u) => [u.kind, u.items.map((i) => i.id)])));
}

/** `fix` speaks of the users as "them": for one user, "it" ("give it another purpose first"). */
function forHowMany(fix: string, used: readonly UsersOfKind[]): string {
  return used.reduce((n, u) => n + u.items.length, 0) === 1 ? fix.replace(/\bthem\b/g, 'it') : fix;
}
