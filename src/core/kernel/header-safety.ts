import { ErrorCodes, MailroomError } from './errors.js';

// CR, LF and NUL would let a value break out of its header line or the SMTP envelope.
const FORBIDDEN = /[\r\n\0]/;

/** Refuses a value that would reach a header or the envelope if it holds CR, LF or NUL. */
export function assertHeaderSafe(field: string, value: string | undefined | null): void {
  if (value != null && FORBIDDEN.test(value)) {
    throw new MailroomError(
      ErrorCodes.HEADER_INJECTION,
      `${field} contains a line break or NUL character, which is not allowed in a mail header`,
      { field },
    );
  }
}

export function hasHeaderUnsafeChars(value: string): boolean {
  return FORBIDDEN.test(value);
}

/**
 * C0 controls, DEL, the C1 controls (U+0080–U+009F: U+0085 is NEL, a line break to many viewers
 * and log readers) and the Unicode line and paragraph separators (U+2028, U+2029), which JSON
 * carries unescaped and editors, browsers and log tools break lines at: each would let a name or
 * description forge a line where it is echoed. Typed text never holds one; a pasted one is a slip.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;

/** Any control character (C0, DEL, C1) or line/paragraph separator: nothing a one-line value (a URL, a name, a description) may hold. */
export function hasControlChars(value: string): boolean {
  return CONTROL.test(value);
}

const CONTROL_RUNS = new RegExp(`${CONTROL.source}+`, 'g');

/** `value` with each run of control characters (the ones hasControlChars finds) made one space: a caller's text put into one line. */
export function controlsToSpaces(value: string): string {
  return value.replace(CONTROL_RUNS, ' ');
}

/**
 * The controls a header's text may not hold besides CR, LF and NUL (which assertHeaderSafe
 * names as injection): the rest of C0 but TAB (a header's own blank), DEL, C1 and the line and
 * paragraph separators. Encoded, they reached the recipient's client and the log as they were:
 * an escape sequence in a subject, a bell in a file name.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const HEADER_CONTROL = /[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]/;

/** In words, the first control character of `value` that a header's text may not hold (`the control character \u001b at position 4`), or undefined. */
export function headerControl(value: string): string | undefined {
  const m = HEADER_CONTROL.exec(value);
  return m ? `the control character ${shown(m[0])} at position ${[...value.slice(0, m.index)].length + 1}` : undefined;
}

/**
 * A caller's text in a message or `details.field`: at most 64 characters, control and invisible
 * formatting characters escaped (`\n`, `\u0001`, `\u202e`), so what is shown is what was sent.
 */
export function shown(text: string): string {
  const cut = [...text].length > 64 ? `${[...text].slice(0, 64).join('')}…` : text;
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  return cut.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\p{Cf}]/gu, (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? escapedCodePoint(c.codePointAt(0) ?? 0));
}

/** `\u0001`, or `\u{e0001}` beyond the BMP. */
const escapedCodePoint = (code: number) => (code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`);
