import { invalid } from '../kernel/errors.js';
import { assertHeaderSafe } from '../kernel/header-safety.js';
import { arr, bool, doc, oneOf, onlyKeys, optStr, str } from '../kernel/validate.js';

/**
 * What the IMAP reader does with a message once it is stored: `none` leaves the mailbox as it
 * was, `flag` marks it \Seen, `move` moves it to `moveTo`. Mailroom never deletes mail.
 */
export const AFTER_PROCESSING = ['none', 'flag', 'move'] as const;
export type AfterProcessing = (typeof AFTER_PROCESSING)[number];

/** An account's inbound reading (its server's IMAP section says where). */
export interface InboundSettings {
  enabled: boolean;
  folders: string[];
  afterProcessing: AfterProcessing;
  moveTo: string | null;
}

export const MAX_FOLDERS = 10;

/**
 * A folder name as the IMAP server compares it: INBOX is the one name that is case-insensitive
 * (RFC 3501 §5.1), so "inbox" and "Inbox" are spelled INBOX. Otherwise "inbox" beside INBOX
 * was a second reader of the same mailbox, and moveTo "inbox" moved mail into the folder read.
 */
export function canonicalFolder(name: string): string {
  return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}

/** Whether moving stored mail to `moveTo` would put it back into `folder` (the same mailbox). */
export function movesIntoItself(folder: string, moveTo: string): boolean {
  return canonicalFolder(folder) === canonicalFolder(moveTo);
}

function folder(field: string, v: unknown): string {
  const name = str(field, v, { max: 200 }).trim();
  if (!name) throw invalid(field, 'must name a folder');
  // A folder name travels in IMAP commands: no line breaks or NUL.
  assertHeaderSafe(field, name);
  return canonicalFolder(name);
}

export function inboundSettings(v: unknown): InboundSettings | null {
  if (v === undefined || v === null) return null;
  const d = doc('inbound', v);
  onlyKeys('inbound', d, ['enabled', 'folders', 'afterProcessing', 'moveTo']);
  const folders = d.folders === undefined ? ['INBOX'] : [...new Set(arr('inbound.folders', d.folders, MAX_FOLDERS).map((f, i) => folder(`inbound.folders[${i}]`, f)))];
  if (!folders.length) throw invalid('inbound.folders', 'name at least one folder to read (usually "INBOX")');
  const afterProcessing = d.afterProcessing === undefined ? 'none' : oneOf('inbound.afterProcessing', d.afterProcessing, AFTER_PROCESSING);
  const moveToRaw = optStr('inbound.moveTo', d.moveTo, { max: 200 });
  const moveTo = moveToRaw ? folder('inbound.moveTo', moveToRaw) : null;
  if (afterProcessing === 'move' && !moveTo) throw invalid('inbound.moveTo', 'is required with afterProcessing "move": the folder processed mail goes to');
  if (afterProcessing !== 'move' && moveTo) throw invalid('inbound.moveTo', 'applies only to afterProcessing "move"');
  if (moveTo && folders.includes(moveTo)) throw invalid('inbound.moveTo', `"${moveTo}" is also read: moved mail would be read again`);
  return { enabled: d.enabled === undefined ? true : bool('inbound.enabled', d.enabled), folders, afterProcessing, moveTo };
}
