import { parseMailbox, type Mailbox } from '../kernel/addresses.js';
import { isMailroomError } from '../kernel/errors.js';
import type { NotifyEvent } from './events.js';
import type { Rule } from './rules.js';

/** One person a rule mails: the address, and every role of the rule they hold in the event. */
export interface Recipient {
  mailbox: Mailbox;
  roles: string[];
}

/**
 * Who a rule mails for an event: the holders of its roles (in the rule's order), then its
 * fixed addresses, each address once (case-insensitively) with all the roles it holds.
 */
export function ruleRecipients(rule: Pick<Rule, 'recipients'>, event: Pick<NotifyEvent, 'recipients'>): Recipient[] {
  const byAddress = new Map<string, Recipient>();
  const add = (mailbox: Mailbox, role: string | null) => {
    const key = mailbox.address.toLowerCase();
    const seen = byAddress.get(key);
    if (seen) {
      if (role && !seen.roles.includes(role)) seen.roles.push(role);
      if (!seen.mailbox.name && mailbox.name) seen.mailbox = mailbox;
      return;
    }
    byAddress.set(key, { mailbox, roles: role ? [role] : [] });
  };
  for (const role of rule.recipients.roles) for (const m of Object.hasOwn(event.recipients, role) ? event.recipients[role] : []) add(m, role);
  for (const [i, a] of rule.recipients.addresses.entries()) add(storedMailbox(`recipients.addresses[${i}]`, a), null);
  return [...byAddress.values()];
}

/** `Name <local@domain>` as versions before formatMailbox stored it: the name unquoted, whatever it held. */
const UNQUOTED = /^([^"<>]+?)\s*<([^<>]+)>$/;

/**
 * A rule's fixed address as stored. Earlier versions wrote a display name unquoted, so
 * `Doe, John <jd@example.com>` does not parse as one mailbox: the address in the angle brackets
 * is parsed as strictly as ever, and the text before it is taken as the name it was.
 */
function storedMailbox(field: string, text: string): Mailbox {
  try {
    return parseMailbox(field, text);
  } catch (err) {
    const legacy = isMailroomError(err) ? UNQUOTED.exec(text) : null;
    if (!legacy) throw err;
    return { ...parseMailbox(field, legacy[2]), name: legacy[1].trim() };
  }
}
