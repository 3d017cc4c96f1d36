import { shown } from '../kernel/header-safety.js';

/** An attachment's media type: `type/subtype` and its parameters, names lower-cased, values unquoted. */
export interface MediaType {
  type: string;
  params: [name: string, value: string][];
}

const MEDIA_TYPE = /^([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)\s*(?:;|$)/i;
// RFC 2045 5.1: a token is printable ASCII without space and tspecials; a value is a token or a quoted string.
const TOKEN = "[!#$%&'*+.^_`{|}~0-9A-Za-z-]+";
const PARAMETER = new RegExp(`^\\s*(${TOKEN})\\s*=\\s*(${TOKEN}|"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*")\\s*(?:;|$)`);
const MEDIA_TYPE_FORM = 'must be a media type such as application/pdf, optionally with parameters such as text/plain; charset=utf-8';

/**
 * Parses `type/subtype` with optional RFC 2045 parameters (`text/plain; charset=utf-8`,
 * `text/csv; charset="utf-8"; header=present`); the reason when it does not parse. Parameter
 * values are printable ASCII (a line break or other control character never passes), each name
 * at most once.
 */
export function parseMediaType(text: string): MediaType | string {
  const head = MEDIA_TYPE.exec(text.trim());
  if (!head) return `${MEDIA_TYPE_FORM}; "${shown(text)}" is not one`;
  const params: MediaType['params'] = [];
  let rest = text.trim().slice(head[0].length);
  while (rest.trim() !== '') {
    const p = PARAMETER.exec(rest);
    const piece = rest.split(';')[0]!.trim();
    if (!p) return `the parameter "${shown(piece)}" is not name=value (the value a token or a "quoted string", printable ASCII only); ${MEDIA_TYPE_FORM}`;
    const name = p[1]!.toLowerCase();
    if (params.some(([k]) => k === name)) return `the parameter "${name}" is given more than once`;
    const value = p[2]!.startsWith('"') ? p[2]!.slice(1, -1).replace(/\\(.)/g, '$1') : p[2]!;
    params.push([name, value]);
    rest = rest.slice(p[0].length);
  }
  return { type: head[1]!, params };
}

/** The stored form of a media type: `text/plain; charset=utf-8`, values quoted where they must be. */
export function formatMediaType(m: MediaType): string {
  const token = new RegExp(`^${TOKEN}$`);
  return [m.type, ...m.params.map(([k, v]) => `${k}=${token.test(v) ? v : `"${v.replace(/(["\\])/g, '\\$1')}"`}`)].join('; ');
}
