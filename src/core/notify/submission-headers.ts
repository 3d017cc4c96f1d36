/**
 * The headers of a contact-form submission, as the application passes them in `data.headers`,
 * read into one shape: each field name (lower case) with every value it was given. Applications
 * pass them as their framework holds them, and an automated submission must be recognised in
 * each of these shapes (an auto-responder answered is a mail loop):
 *
 * - a map of names to text or lists of text: `{ "Auto-Submitted": "auto-replied" }`,
 *   `{ "Auto-Submitted": ["auto-replied"] }` (Go's net/mail, many web frameworks);
 * - a list of `[name, value]` pairs, or of `{ name, value }` objects (either key in any case);
 * - the raw header block as text (`"Auto-Submitted: auto-replied\r\n…"`), continuation lines
 *   unfolded, up to the first empty line (what follows is the body).
 *
 * Names compare in any case. Anything else is no shape this can read: `undefined` is returned
 * so the caller refuses to answer rather than read it as "no headers".
 */
export type SubmissionHeaders = Map<string, string[]>;

/** A field name as RFC 5322 has it: printable ASCII but the colon. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function add(into: SubmissionHeaders, name: string, value: string): boolean {
  if (!FIELD_NAME.test(name)) return false;
  const key = name.toLowerCase();
  const list = into.get(key);
  if (list) list.push(value);
  else into.set(key, [value]);
  return true;
}

/** A header value given as text or a list of texts (none: the name says nothing); false for anything else. */
function addValues(into: SubmissionHeaders, name: string, v: unknown): boolean {
  if (!FIELD_NAME.test(name)) return false;
  if (typeof v === 'string') return add(into, name, v);
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && add(into, name, x));
}

/** The value of `key` in `o`, the key compared in any case (`name`, `Name`, `NAME`). */
function field(o: Record<string, unknown>, key: string): unknown {
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === key) return v;
  return undefined;
}

function fromPairs(list: unknown[]): SubmissionHeaders | undefined {
  const out: SubmissionHeaders = new Map();
  for (const item of list) {
    if (Array.isArray(item)) {
      if (item.length !== 2 || typeof item[0] !== 'string' || !addValues(out, item[0], item[1])) return undefined;
    } else if (item && typeof item === 'object') {
      const o = item as Record<string, unknown>;
      const name = field(o, 'name');
      if (typeof name !== 'string' || !addValues(out, name, field(o, 'value'))) return undefined;
    } else {
      return undefined;
    }
  }
  return out;
}

function fromMap(map: Record<string, unknown>): SubmissionHeaders | undefined {
  const out: SubmissionHeaders = new Map();
  for (const [name, v] of Object.entries(map)) if (!addValues(out, name, v)) return undefined;
  return out;
}

/** The raw header block: every line up to the first empty one must be a field or continue one. */
function fromText(text: string): SubmissionHeaders | undefined {
  const out: SubmissionHeaders = new Map();
  const fields: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    // RFC 5322 section 2.2.3: a line starting with white space continues the one before.
    if (/^[ \t]/.test(line)) {
      if (!fields.length) return undefined;
      fields[fields.length - 1] += line;
      continue;
    }
    fields.push(line);
  }
  for (const f of fields) {
    const colon = f.indexOf(':');
    if (colon < 1 || !add(out, f.slice(0, colon).trimEnd(), f.slice(colon + 1))) return undefined;
  }
  return out;
}

/** `data.headers` read (an empty map when there are none), or undefined when it is no shape above. */
export function submissionHeaders(v: unknown): SubmissionHeaders | undefined {
  if (v === undefined || v === null) return new Map();
  if (typeof v === 'string') return fromText(v);
  if (Array.isArray(v)) return fromPairs(v);
  if (typeof v === 'object') return fromMap(v as Record<string, unknown>);
  return undefined;
}

/** What a header says that marks the submission as a machine's (RFC 3834 section 2, RFC 2369, RFC 2919), or undefined. */
export function automatedBy(h: SubmissionHeaders): string | undefined {
  const values = (name: string) => (h.get(name) ?? []).map((x) => x.trim()).filter((x) => x !== '');
  // `Auto-Submitted: no (comment)` or `no; x=y` is still "no": the keyword decides.
  const auto = values('auto-submitted').find((x) => x.split(/[\s;(]/)[0].toLowerCase() !== 'no');
  if (auto !== undefined) return `the submission says Auto-Submitted: ${auto}`;
  const precedence = values('precedence').find((x) => ['bulk', 'list', 'junk'].includes(x.toLowerCase()));
  if (precedence !== undefined) return `the submission says Precedence: ${precedence}`;
  if (values('list-id').length || values('list-unsubscribe').length) return 'the submission came from a mailing list';
  return undefined;
}
