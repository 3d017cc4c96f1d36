import { invalid } from '../kernel/errors.js';
import { doc, onlyKeys, optStr, str } from '../kernel/validate.js';
import type { Repositories } from '../ports.js';
import { FALLBACK_LOCALE } from './locales.js';

/** `settings.branding`: what every layout may show as `brand.*`. */
export interface Branding {
  name: string;
  /** An https:// (or http://) image URL; null: the layout shows the name instead. */
  logoUrl: string | null;
  /** The accent colour, #rrggbb. */
  color: string;
  /** A line or two under every message (address, legal note); may be empty. */
  footer: string;
}

export const DEFAULT_BRANDING: Readonly<Branding> = Object.freeze({ name: 'Mailroom', logoUrl: null, color: '#2563eb', footer: '' });

/** Validates `settings.branding`; omitted fields take their defaults. */
export function normalizeBranding(v: unknown): Branding {
  const d = doc('branding', v);
  onlyKeys('branding', d, ['name', 'logoUrl', 'color', 'footer']);
  const name = d.name === undefined ? DEFAULT_BRANDING.name : str('branding.name', d.name, { max: 100 }).trim();
  if (/[\r\n\0]/.test(name)) throw invalid('branding.name', 'must be one line');
  const logoUrl = optStr('branding.logoUrl', d.logoUrl, { max: 2000 }) ?? null;
  // A URL a mail client fetches as an image: http(s) only, nothing that could close the attribute.
  if (logoUrl !== null && !/^https?:\/\/[^\s"'<>]+$/i.test(logoUrl)) throw invalid('branding.logoUrl', 'must be an https:// (or http://) URL without spaces or quotes');
  const color = d.color === undefined ? DEFAULT_BRANDING.color : str('branding.color', d.color, { max: 100 }).toLowerCase();
  if (!/^#[0-9a-f]{6}$/.test(color)) throw invalid('branding.color', 'must be a colour such as #2563eb');
  const footer = d.footer === undefined || d.footer === null ? '' : str('branding.footer', d.footer, { min: 0, max: 2000 });
  if (footer.includes('\0')) throw invalid('branding.footer', 'must not contain NUL characters');
  return { name, logoUrl, color, footer };
}

/** The settings rendering reads for every message (from the store's cache). */
export async function readTemplateSettings(repos: Repositories): Promise<{ branding: Branding; defaultLocale: string }> {
  const [branding, defaultLocale] = await Promise.all([repos.settings.get<Branding>('branding'), repos.settings.get<string>('defaultLocale')]);
  return { branding: branding ?? DEFAULT_BRANDING, defaultLocale: defaultLocale ?? FALLBACK_LOCALE };
}
