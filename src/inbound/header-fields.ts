/**
 * A received message's own header fields, as the email log shows them ("Headers"): each field
 * unfolded (RFC 5322 §2.2.3: the line breaks of a folded field removed, its whitespace kept),
 * by its name as the message first wrote it, in the order the fields first appear. A field the
 * message repeats (Received, Authentication-Results …) keeps every value, one per line, in the
 * message's order (Received: the last relay first). Values stay as written, encoded words too:
 * this is the message's source, and its decoded subject and addresses are shown beside it.
 */

/** What the log keeps of one message's header: enough for every real one, bounded for a hostile one. */
export const MAX_HEADER_CHARS = 64 * 1024;

export function headerFields(lines: readonly { key: string; line: string }[]): Record<string, string> {
  const byKey = new Map<string, { name: string; values: string[] }>();
  let budget = MAX_HEADER_CHARS;
  for (const { key, line } of lines) {
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
