import type { Mailbox } from '../kernel/addresses.js';
import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { controlsToSpaces, hasHeaderUnsafeChars } from '../kernel/header-safety.js';
import { str, type Doc } from '../kernel/validate.js';

/**
 * The built-in rules (the contact auto-reply, report mail) are plain text with `{placeholder}`
 * values filled in from the event, never template code: admins write them in a form field, and
 * what fills them is whatever an application (or a stranger on a contact form) sent.
 */
export interface BuiltinMail {
  /** One message per person. */
  to: Mailbox[];
  subject: string;
  text: string;
  purpose: string;
  accountId: string | null;
  serverId: string | null;
  headers: Record<string, string>;
  /** An admin chose the account in the settings: the event's caller need not be allowed to. */
  adminChoseAccount: boolean;
  /** Send only if this address got no answer within the auto-reply window (checked in the commit). */
  claim?: string;
}

export type BuiltinPlan = { kind: 'none' } | { kind: 'skip'; code: string; message: string } | { kind: 'send'; mail: BuiltinMail };

const PLACEHOLDER_VALUE_MAX = 200;

/**
 * `{name}`-style placeholders replaced by the given values, literally (nothing in a value is
 * read as a placeholder or template code; unknown placeholders stay as written). In a header
 * line, line breaks and other control characters (C0, DEL, C1, U+2028, U+2029; see
 * hasControlChars) become spaces, and NUL is dropped.
 */
export function fillPlaceholders(text: string, values: Record<string, string>, opts: { headerLine: boolean }): string {
  const clean = (s: string) => {
    const cut = s.slice(0, PLACEHOLDER_VALUE_MAX).replace(/\0/g, '');
    return opts.headerLine ? controlsToSpaces(cut).trim() : cut;
  };
  return text.replace(/\{([a-z]+)\}/g, (m, k: string) => (Object.hasOwn(values, k) ? clean(values[k]) : m));
}

/** A text value of the event's data (a number as its text), or ''. */
export function textOf(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

// What looks like a placeholder: a word in braces. "{ }" or "{a b}" is text and stays as written.
const PLACEHOLDER_LIKE = /\{([A-Za-z_][\w.-]*)\}/g;

// Template syntax (Liquid's `{{ output }}` and `{% tag %}`), which these texts do not run.
const TEMPLATE_SYNTAX = /\{\{\s*([^{}]*?)\s*\}\}|\{%[^%]*%\}/;

/**
 * Refuses a `{placeholder}` the text's mail does not fill: it would reach every recipient as
 * written (a typo such as `{nmae}`, a `{Name}` in the wrong case). Template syntax too, written
 * out of habit from the templates: `{{name}}` was sent as `{Ann}`, a `{% if %}` as written.
 */
function checkPlaceholders(field: string, text: string, known: readonly string[]): void {
  const list = known.map((k) => `{${k}}`).join(', ');
  const syntax = TEMPLATE_SYNTAX.exec(text);
  if (syntax) {
    const [written, inner] = syntax;
    const instead = inner !== undefined && known.includes(inner) ? `write {${inner}}` : `template code is not run here; the placeholders are ${list}`;
    throw new MailroomError(ErrorCodes.UNKNOWN_PLACEHOLDER, `${field}: ${written} is template syntax, and this text is plain text with {placeholder} values: ${instead}`, {
      field,
      placeholder: written,
      known,
    });
  }
  for (const [, name] of text.matchAll(PLACEHOLDER_LIKE)) {
    if (known.includes(name)) continue;
    throw new MailroomError(ErrorCodes.UNKNOWN_PLACEHOLDER, `${field}: {${name}} is not a placeholder this text can use; the known ones are ${list} (anything else in braces would be sent as written)`, {
      field,
      placeholder: name,
      known,
    });
  }
}

/**
 * The subject (one line, ≤ 200) and plain-text body (≤ 20,000) of a built-in rule's settings,
 * using only the `placeholders` its mail fills; those left out keep `prev`'s.
 */
export function subjectAndBody(field: string, d: Doc, prev: { subject: string; body: string }, placeholders: readonly string[]): { subject: string; body: string } {
  const subject = d.subject === undefined ? prev.subject : str(`${field}.subject`, d.subject, { max: 200 });
  if (hasHeaderUnsafeChars(subject)) throw invalid(`${field}.subject`, 'must be one line (no line breaks or NUL characters)');
  if (d.subject !== undefined) checkPlaceholders(`${field}.subject`, subject, placeholders);
  const body = d.body === undefined ? prev.body : str(`${field}.body`, d.body, { max: 20_000 });
  if (body.includes('\0')) throw invalid(`${field}.body`, 'must not contain NUL characters');
  if (d.body !== undefined) checkPlaceholders(`${field}.body`, body, placeholders);
  return { subject, body };
}
