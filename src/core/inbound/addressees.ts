import { asciiDomain } from '../kernel/addresses.js';
import type { MessageRecord } from '../outbox/ports.js';

/** No address is longer (RFC 5321's path limit); the log's recipient filter takes none longer either. */
const ADDRESS_MAX = 320;

/**
 * An address as the email log compares it: lower-cased, its domain in ASCII (`Ann@Bücher.example`
 * → `ann@xn--bcher-kva.example`). The recipient filter spells the address it is given so, and
 * Mailroom's own recipients are stored with their domains in ASCII; a received message's
 * addresses come as its sender wrote them (mailparser shows an IDN domain in Unicode).
 */
export function addressKey(address: string): string {
  const text = address.trim();
  const at = text.lastIndexOf('@');
  return (at < 0 ? text : `${text.slice(0, at)}@${asciiDomain(text.slice(at + 1))}`).toLowerCase();
}

/**
 * What a received message is found by in the log's recipient filter (`GET /messages?recipient=`):
 * the addresses its To and Cc name (Bcc, should a record carry one), each once, as addressKey
 * spells them. Received mail has no envelope recipients (message_recipients is the outbox's:
 * delivery, bounces and retries read it), so these are kept on their own (received_addressees).
 */
export function addressees(m: Pick<MessageRecord, 'to' | 'cc' | 'bcc'>): string[] {
  const keys = new Set<string>();
  for (const a of [...m.to, ...m.cc, ...m.bcc]) {
    const key = addressKey(a.address);
    if (key.includes('@') && key.length <= ADDRESS_MAX) keys.add(key);
  }
  return [...keys];
}
