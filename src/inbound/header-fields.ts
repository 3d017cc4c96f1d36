/**
 * A received message's own header fields, as the email log shows them ("Headers"): each field
 * unfolded (RFC 5322 §2.2.3: the line breaks of a folded field removed, its whitespace kept),
 * by its name as the message first wrote it, in the order the fields first appear. A field the
 * message repeats (Received, Authentication-Results …) keeps every value, one per line, in the
 * message's order (Received: the last relay first). Values stay as written, encoded words too:
 * this is the message's source, and its decoded subject and addresses are shown beside it.
 *
 * mailparser gives each raw line one character per byte (latin1): a field written in raw UTF-8
 * (RFC 6532) is read as UTF-8, one in no valid UTF-8 as Latin-1, except its C1 bytes
 * (0x80–0x9F), which are no Latin-1 text and become U+FFFD: Dovecot hands a NUL out as 0x80, and
 * a NUL is shown as U+FFFD (parse-mail.ts), whichever server the message came through.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Latin-1 text (one character per byte) with its C1 characters, which are no Latin-1 text (and Dovecot's NUL), as U+FFFD. */
const withoutC1 = (latin1: string) => latin1.replace(/[\u0080-\u009f]/g, '\uFFFD');

/** A header line in no valid UTF-8, as text: Latin-1, its C1 bytes U+FFFD. The parser reads the message's header by this too (parse-mail.ts). */
export const legacyHeaderLine = (line: Buffer): string => withoutC1(line.toString('latin1'));

/** A raw header line (one character per byte) as text. */
function asText(line: string): string {
  // Plain ASCII (nearly every line), or already decoded: nothing to do.
  if (!/[\u0080-\u00ff]/.test(line) || /[\u0100-\uffff]/.test(line)) return line;
  try {
    return utf8.decode(Buffer.from(line, 'latin1'));
  } catch {
    return withoutC1(line);
  }
}

/** What the log keeps of one message's header: enough for every real one, bounded for a hostile one. */
export const MAX_HEADER_CHARS = 64 * 1024;

export function headerFields(lines: readonly { key: string; line: string }[]): Record<string, string> {
  const byKey = new Map<string, { name: string; values: string[] }>();
  let budget = MAX_HEADER_CHARS;
  for (const { key, line: raw } of lines) {
    const line = asText(raw);
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    // Unfolding, and any stray CR or LF (a broken message) as a space: a value is one line.
    const value = line.slice(colon + 1).replace(/\r\n(?=[ \t])/g, '').replace(/[\r\n]/g, ' ').trim();
    const name = line.slice(0, colon).trim();
    budget -= name.length + value.length;
    // Fields past the budget are left out whole, never cut in the middle.
    if (budget < 0) break;
    const field = byKey.get(key);
    if (field) field.values.push(value);
    else byKey.set(key, { name, values: [value] });
  }
  return Object.fromEntries([...byKey.values()].map((f) => [f.name, f.values.join('\n')]));
}
