import type { Preset, SmtpSecurity } from './types.js';

type Raw = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

function notes(r: Raw): string[] {
  const out: string[] = [];
  const login = str(r.usernamePattern) ?? str(r.username);
  if (login) out.push(`Login: ${login.replace('{address}', 'the sender address').replace('{domain}', 'your sending domain')}.`);
  if (str(r.password)) out.push(`Password: ${str(r.password)}.`);
  for (const k of ['guidance', 'notes', 'catch', 'hint', 'hints', 'description']) {
    const v = r[k];
    if (typeof v === 'string' && v) out.push(v);
    else if (Array.isArray(v)) out.push(...v.filter((x): x is string => typeof x === 'string'));
  }
  if (Array.isArray(r.alternatives)) {
    for (const a of r.alternatives as Raw[]) if (a && typeof a.port === 'number') out.push(`Also possible: port ${a.port} (${str(a.note) ?? str(a.security) ?? ''}).`);
  }
  return [...new Set(out)];
}

/** GET /presets → the shape the wizard shows, tolerant of `items` or a bare list, and flat or nested smtp fields. */
export function normalizePresets(raw: unknown): Preset[] {
  const list = Array.isArray(raw) ? raw : Array.isArray((raw as Raw | null)?.items) ? ((raw as Raw).items as unknown[]) : [];
  return list
    .filter((x): x is Raw => !!x && typeof x === 'object')
    .map((r, i) => {
      const smtp = (r.smtp && typeof r.smtp === 'object' ? r.smtp : r) as Raw;
      return {
        id: str(r.id) ?? str(r.key) ?? `preset-${i}`,
        name: str(r.name) ?? str(r.label) ?? str(r.id) ?? str(r.key) ?? `Preset ${i + 1}`,
        smtp: {
          host: str(smtp.host),
          port: typeof smtp.port === 'number' ? smtp.port : undefined,
          security: str(smtp.security) as SmtpSecurity | undefined,
          ...(typeof smtp.requireTls === 'boolean' ? { requireTls: smtp.requireTls } : {}),
        },
        username: str(r.username) ?? str(r.usernamePattern) ?? str(r.login) ?? str(r.user),
        notes: notes(r),
      };
    });
}
