import { invalid } from '../kernel/errors.js';
import { str } from '../kernel/validate.js';

/** The locale every chain ends with, and the one every built-in template has. */
export const FALLBACK_LOCALE = 'en';

// A BCP 47 tag as mail products use them: a language, then optional subtags (de, de-AT, pt-BR, zh-Hant-TW).
const TAG = /^([a-z]{2,3})((?:-[a-z0-9]{2,8})*)$/i;

/** Validates and normalises a locale tag: language lower case, a two-letter region upper case ("de-at" → "de-AT"). */
export function localeTag(field: string, v: unknown): string {
  const s = str(field, v, { max: 35 });
  const m = TAG.exec(s);
  if (!m) throw invalid(field, `"${s}" is not a locale tag such as "en", "de" or "de-AT"`);
  const subtags = m[2]
    .split('-')
    .filter(Boolean)
    .map((p) => (p.length === 2 ? p.toUpperCase() : p.length === 4 ? p[0].toUpperCase() + p.slice(1).toLowerCase() : p.toLowerCase()));
  return [m[1].toLowerCase(), ...subtags].join('-');
}

/**
 * The locales to try, in order: the one asked for (de-AT), its language (de), the default
 * locale of the installation and its language, then English.
 */
export function localeChain(requested: string | undefined, defaultLocale: string): string[] {
  const chain: string[] = [];
  const add = (tag: string | undefined) => {
    if (!tag) return;
    if (!chain.includes(tag)) chain.push(tag);
    const language = tag.split('-')[0];
    if (!chain.includes(language)) chain.push(language);
  };
  add(requested);
  add(defaultLocale);
  add(FALLBACK_LOCALE);
  return chain;
}

/**
 * The locale of `available` a message is rendered in: the first of the chain the template has,
 * else the template's first locale (a template written only in French still renders).
 */
export function pickLocale(available: readonly string[], requested: string | undefined, defaultLocale: string): string {
  for (const tag of localeChain(requested, defaultLocale)) if (available.includes(tag)) return tag;
  return available[0];
}

/**
 * Languages written right to left (ISO 639 codes) when the tag names no script: their usual
 * script is (CLDR's likely script). Kurdish (ku, Kurmanji) and Hausa are usually Latin: ku-Arab
 * and ha-Arab say otherwise, ckb (Sorani) is Arabic.
 */
const RTL_LANGUAGES = new Set(['ar', 'arc', 'ckb', 'dv', 'fa', 'he', 'iw', 'khw', 'ks', 'lrc', 'mzn', 'nqo', 'pnb', 'ps', 'sd', 'syr', 'ug', 'ur', 'yi']);
/** Scripts written right to left (ISO 15924): a script subtag decides over the language (az-Arab, ku-Latn). */
const RTL_SCRIPTS = new Set(['Adlm', 'Arab', 'Hebr', 'Mand', 'Nkoo', 'Rohg', 'Samr', 'Syrc', 'Thaa', 'Yezi']);

/**
 * `dir` for a locale tag (in the render scope, as the HTML attribute wants it): by its script
 * subtag when it has one (az-Arab is rtl, ku-Latn ltr), else by its language.
 */
export function textDirection(locale: string): 'rtl' | 'ltr' {
  const [language, ...subtags] = locale.split('-');
  const script = subtags.find((s) => s.length === 4 && /^[A-Za-z]{4}$/.test(s));
  if (script) return RTL_SCRIPTS.has(script[0].toUpperCase() + script.slice(1).toLowerCase()) ? 'rtl' : 'ltr';
  return RTL_LANGUAGES.has(language.toLowerCase()) ? 'rtl' : 'ltr';
}
