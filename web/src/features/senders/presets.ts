import { api, type List, type ProviderPreset, type SmtpSettings } from '../../api.js';

/** A provider as the wizard and the Add mail server page show it: the SMTP fields it fills in, its login, and what to watch out for. */
export interface Preset {
  id: string;
  name: string;
  smtp: Partial<SmtpSettings>;
  username?: string;
  notes: string[];
}

function notes(p: ProviderPreset): string[] {
  const out = [
    `Login: ${p.usernamePattern.replace('{address}', 'the sender address').replace('{domain}', 'your sending domain')}.`,
    `Password: ${p.password}.`,
    p.catch,
    ...(p.alternatives ?? []).map((a) => `Also possible: port ${a.port} (${a.note}).`),
  ];
  return [...new Set(out)];
}

/** GET /presets → what the wizard shows for each provider. */
export function presetView(p: ProviderPreset): Preset {
  return { id: p.id, name: p.name, smtp: { ...p.smtp }, username: p.usernamePattern, notes: notes(p) };
}

/** The presets as the pages show them (one request; both the wizard and the server page use it). */
export function loadPresets(): Promise<Preset[]> {
  return api.get<List<ProviderPreset>>('/presets').then((r) => r.items.map(presetView));
}
