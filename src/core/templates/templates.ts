import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { hasHeaderUnsafeChars, headerControl } from '../kernel/header-safety.js';
import { doc, isDoc, onlyKeys, refuseEmpty, str, wellFormed, label } from '../kernel/validate.js';
import { localeTag } from './locales.js';

/** One locale of a template: LiquidJS sources. At least one of html and text. */
export interface LocaleContent {
  subject: string;
  html: string | null;
  text: string | null;
}

/**
 * A template: what an application names in `POST /messages { template }`. Its locales hold the
 * sources; the layout wraps the HTML (and text) of every locale; sampleData feeds the preview
 * and the check at save time. Every saved change is a new version, kept for the log.
 */
export interface Template {
  key: string;
  name: string;
  /** The purpose its messages get when the sender names none. */
  purpose: string | null;
  /** The layout key; null: the body is the whole message. */
  layout: string | null;
  locales: Record<string, LocaleContent>;
  sampleData: Record<string, unknown>;
  /** Shipped with Mailroom: reset (not deleted) restores the shipped text. */
  builtIn: boolean;
  version: number;
  createdAt: number;
  updatedAt: number;
  updatedBy: string | null;
}

export type TemplateDraft = Pick<Template, 'name' | 'purpose' | 'layout' | 'locales' | 'sampleData'>;

/** An older (or the current) version of a template, as it rendered the messages of its time. */
export interface TemplateVersion extends TemplateDraft {
  key: string;
  version: number;
  createdAt: number;
  createdBy: string | null;
}

/** A layout: HTML (and text) around a template's body, which it places at `{{ content }}`. */
export interface Layout {
  key: string;
  name: string;
  html: string;
  text: string | null;
  builtIn: boolean;
  version: number;
  createdAt: number;
  updatedAt: number;
  updatedBy: string | null;
}

export type LayoutDraft = Pick<Layout, 'name' | 'html' | 'text'>;

/** The layout a template gets when its author names none. */
export const DEFAULT_LAYOUT = 'default';

export const TEMPLATE_LIMITS = {
  /** Characters of one source (subject excepted); templates are short, their data is not. */
  sourceChars: 512 * 1024,
  locales: 20,
  /** UTF-8 bytes of the JSON of sampleData and of a message's data (1 MiB). */
  dataBytes: 1024 * 1024,
  dataDepth: 32,
} as const;

const KEY = /^[a-z][a-z0-9_.-]{1,63}$/;

export function templateKey(field: string, v: unknown): string {
  const key = str(field, v, { max: 64 });
  if (!KEY.test(key)) throw invalid(field, 'must be 2–64 characters: lower-case letters, digits, "_", "." and "-", starting with a letter (e.g. "weekly_digest")');
  return key;
}

/**
 * A key that may be none (a template's purpose or layout, a rule's purpose): `null` for none.
 * `""` is refused: taken as none, it removed a chosen purpose or layout when a script sent a
 * variable that was unset.
 */
export function keyOrNone(field: string, v: unknown): string | null {
  refuseEmpty(field, v, 'give null for none');
  return v === null ? null : templateKey(field, v);
}

function source(field: string, v: unknown, optional: boolean): string | null {
  if (optional && (v === undefined || v === null || v === '')) return null;
  const s = str(field, v, { max: TEMPLATE_LIMITS.sourceChars });
  if (s.includes('\0')) throw invalid(field, 'must not contain NUL characters');
  return s;
}

/** A subject template is one line: a line break there would end the Subject header. */
function subjectSource(field: string, v: unknown): string {
  const s = str(field, v, { min: 0, max: 998 });
  if (hasHeaderUnsafeChars(s)) throw new MailroomError(ErrorCodes.HEADER_INJECTION, `${field} contains a line break or NUL character; a subject is one line`, { field });
  const control = headerControl(s);
  if (control) throw invalid(field, `contains ${control}, which has no place in a mail header`);
  return s;
}

export function localeContent(field: string, v: unknown): LocaleContent {
  const d = doc(field, v);
  onlyKeys(field, d, ['subject', 'html', 'text']);
  if (d.subject === undefined) throw invalid(`${field}.subject`, 'is required');
  const content = { subject: subjectSource(`${field}.subject`, d.subject), html: source(`${field}.html`, d.html, true), text: source(`${field}.text`, d.text, true) };
  if (content.html === null && content.text === null) throw invalid(`${field}.html`, 'give html or text (or both): a template needs a body');
  return content;
}

function locales(v: unknown): Record<string, LocaleContent> {
  const d = doc('locales', v);
  const tags = Object.keys(d);
  if (!tags.length) throw invalid('locales', 'give at least one locale, e.g. { "en": { "subject": "…", "html": "…" } }');
  if (tags.length > TEMPLATE_LIMITS.locales) throw invalid('locales', `at most ${TEMPLATE_LIMITS.locales} locales`);
  const out: Record<string, LocaleContent> = {};
  for (const tag of tags) {
    const locale = localeTag(`locales.${tag}`, tag);
    if (out[locale]) throw invalid(`locales.${tag}`, `is given twice (as ${locale})`);
    out[locale] = localeContent(`locales.${tag}`, d[tag]);
  }
  return out;
}

/**
 * How large a data object may be: its JSON text in UTF-8 bytes (a limit in characters let
 * three bytes of "€" count as one), and how many levels of objects and arrays it nests
 * (`{ "a": 1 }` is one level).
 */
export interface DataLimits {
  bytes: number;
  depth: number;
}

const TEMPLATE_DATA: DataLimits = { bytes: TEMPLATE_LIMITS.dataBytes, depth: TEMPLATE_LIMITS.dataDepth };

/**
 * Data for a template: a JSON object (what the API parsed), bounded in size and depth so a
 * render cannot be made expensive by the data alone. The limits are a message's (and
 * sampleData's) unless given: an event's data has smaller ones of its own (EVENT_LIMITS).
 */
export function templateData(field: string, v: unknown, limits: DataLimits = TEMPLATE_DATA): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isDoc(v)) throw invalid(field, 'must be an object of values for the template, e.g. { "user": { "name": "Ann" } }');
  let json: string;
  try {
    json = JSON.stringify(v);
  } catch {
    throw invalid(field, 'must be plain JSON');
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > limits.bytes) {
    throw new MailroomError(ErrorCodes.VALIDATION, `${field}: is ${count(bytes)} bytes as JSON; the limit is ${count(limits.bytes)}${size(limits.bytes)}`, { field, maxBytes: limits.bytes });
  }
  if (depth(v) > limits.depth) {
    throw new MailroomError(ErrorCodes.VALIDATION, `${field}: nests deeper than ${limits.depth} levels`, { field, maxDepth: limits.depth });
  }
  // JSON.stringify writes a lone surrogate as an escape (a pair as itself): only then is the walk needed.
  if (/\\u[dD][89a-fA-F]/.test(json)) wellFormedData(field, v);
  return v;
}

const count = (n: number) => n.toLocaleString('en-US');
const size = (n: number) => (n % 1048576 === 0 ? ` (${n / 1048576} MiB)` : n % 1024 === 0 ? ` (${n / 1024} KiB)` : '');

/** Every key and string in the data, checked as str() checks a field (the first bad one is named: data.user.name). */
function wellFormedData(field: string, v: unknown): void {
  if (typeof v === 'string') wellFormed(field, v);
  else if (Array.isArray(v)) v.forEach((x, i) => wellFormedData(`${field}[${i}]`, x));
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      wellFormed(field, k);
      wellFormedData(`${field}.${k}`, x);
    }
  }
}

function depth(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  let max = 0;
  for (const x of Object.values(v)) max = Math.max(max, depth(x));
  return max + 1;
}

export const TEMPLATE_FIELDS = ['name', 'purpose', 'layout', 'locales', 'sampleData'] as const;

/** Validates a template as created or replaced (all fields) or patched (given fields replace prev's). */
export function normalizeTemplate(input: unknown, prev?: TemplateDraft): TemplateDraft {
  const d = doc('template', input);
  onlyKeys('template', d, [...TEMPLATE_FIELDS, 'version', 'key']);
  const pick = <K extends keyof TemplateDraft>(k: K, fn: (v: unknown) => TemplateDraft[K], dflt?: TemplateDraft[K]): TemplateDraft[K] => {
    if (d[k] !== undefined) return fn(d[k]);
    if (prev) return prev[k];
    if (dflt === undefined) throw invalid(k, 'is required');
    return dflt;
  };
  return {
    name: pick('name', (v) => label('name', v)),
    purpose: pick('purpose', (v) => keyOrNone('purpose', v), null),
    layout: pick('layout', (v) => keyOrNone('layout', v), DEFAULT_LAYOUT),
    locales: pick('locales', locales),
    sampleData: pick('sampleData', (v) => templateData('sampleData', v), {}),
  };
}

export function normalizeLayout(input: unknown, prev?: LayoutDraft): LayoutDraft {
  const d = doc('layout', input);
  onlyKeys('layout', d, ['name', 'html', 'text', 'version', 'key']);
  const name = d.name === undefined && prev ? prev.name : label('name', d.name);
  const html = d.html === undefined && prev ? prev.html : (source('html', d.html, false) as string);
  const text = d.text === undefined && prev ? prev.text : source('text', d.text, true);
  if (!placesContent(html)) throw invalid('html', PLACE_CONTENT);
  if (text !== null && !placesContent(text)) throw invalid('text', PLACE_CONTENT);
  return { name, html, text };
}

export const PLACE_CONTENT = 'must place the body with {{ content }} (outside {% raw %} and comments): without it, every message in this layout would be sent without its body';

/** `{{ content }}` as one output (whitespace control and filters allowed); not `content.x`, `contents` … */
const OUTPUT = /^\{\{-?\s*content\s*(?:\||-?\}\}$)/;
/** `echo content` as a tag of its own or as a line of a {% liquid %} tag. */
const ECHO = /^echo\s+content(?![\w.[-])/;
const LIQUID_ECHO = /(?:^|\n)\s*echo\s+content(?![\w.[-])/;
/** Where an inert block ends: what LiquidJS outputs as text ({% raw %}) or skips ({% comment %}). */
const END_OF = { raw: /\{%-?\s*endraw\s*-?%\}/g, comment: /\{%-?\s*endcomment\s*-?%\}/g } as const;

/**
 * Whether a layout source outputs `content` where LiquidJS substitutes it. The word alone is not
 * enough (`<meta content="…">`), nor is an output inside {% raw %} or a comment. One pass from
 * tag to tag (a source is up to 512 KiB: nothing here may look back or rescan). saveLayout also
 * renders the layout around a sample body and checks the body comes out (an `{% if %}` that is
 * false, a filter that escapes it).
 */
export function placesContent(source: string): boolean {
  let i = 0;
  for (;;) {
    const open = source.indexOf('{', i);
    if (open < 0 || open + 1 >= source.length) return false;
    const kind = source[open + 1];
    if (kind !== '{' && kind !== '%') {
      i = open + 1;
      continue;
    }
    const close = source.indexOf(kind === '{' ? '}}' : '%}', open + 2);
    if (close < 0) return false;
    i = close + 2;
    if (kind === '{') {
      if (OUTPUT.test(source.slice(open, i))) return true;
      continue;
    }
    const tag = source.slice(open + 2, close).replace(/^-/, '').replace(/-$/, '').trim();
    const name = /^\w+/.exec(tag)?.[0];
    if (name === 'echo' && ECHO.test(tag)) return true;
    if (name === 'liquid' && LIQUID_ECHO.test(tag.slice('liquid'.length))) return true;
    if (name === 'raw' || name === 'comment') {
      const end = END_OF[name];
      end.lastIndex = i;
      if (!end.exec(source)) return false; // unclosed: the rest is inert
      i = end.lastIndex;
    }
  }
}
