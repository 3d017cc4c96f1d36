/**
 * A route schema's bounds (how many items, how long, how large) in plain words, with what the
 * request had: Ajv's own words ("must NOT have fewer than 1 items") read as a validator's and say
 * nothing of the value. Ajv counts a string's length in code points, and so do these messages.
 */

interface BoundError {
  keyword: string;
  params: Record<string, unknown>;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * A string's length in code points, as Ajv's maxLength counts it (a surrogate pair is one, a lone
 * surrogate one too). One pass over the UTF-16 units and nothing allocated: `[...value].length`
 * built an array of every character, and a 30-million-character password held the server for
 * seconds just to say "(it has N)".
 */
export function codePointLength(value: string): number {
  let n = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** What the value had, for the parenthesis after the rule ("it has 4"). */
function had(value: unknown): { items?: number; chars?: number; entries?: number } {
  if (Array.isArray(value)) return { items: value.length };
  if (typeof value === 'string') return { chars: codePointLength(value) };
  if (value !== null && typeof value === 'object') return { entries: Object.keys(value).length };
  return {};
}

/** The rule a bound keyword the routes use states, or undefined for any other keyword (its message stays Ajv's). */
export function boundMessage(error: BoundError | undefined, value: unknown): string | undefined {
  if (!error) return undefined;
  const limit = Number(error.params.limit);
  const { items, chars, entries } = had(value);
  switch (error.keyword) {
    case 'minItems':
      return limit === 1 ? 'must list at least one item (it is empty)' : `must list at least ${plural(limit, 'item', 'items')} (it has ${items})`;
    case 'maxItems':
      return `must list at most ${plural(limit, 'item', 'items')} (it has ${items})`;
    case 'minLength':
      return limit === 1 ? 'must not be empty' : `must be at least ${plural(limit, 'character', 'characters')} (it has ${chars})`;
    case 'maxLength':
      // The words of the core's own length check (kernel/validate.ts), so both read alike.
      return `must be at most ${plural(limit, 'character', 'characters')} (it has ${chars})`;
    case 'maxProperties':
      return `must have at most ${plural(limit, 'entry', 'entries')} (it has ${entries})`;
    case 'minimum':
      return `must be at least ${limit} (it is ${String(value)})`;
    case 'maximum':
      return `must be at most ${limit} (it is ${String(value)})`;
    default:
      return undefined;
  }
}
