import { api } from './api.js';
import { useResource } from './hooks.js';
import type { SettingView } from './types.js';

function isView(v: unknown): v is { value: unknown; source?: string; locked?: boolean; reason?: string; lockedReason?: string; updatedAt?: string; updatedBy?: string | null } {
  return !!v && typeof v === 'object' && !Array.isArray(v) && 'value' in v && 'source' in v;
}

/**
 * GET /settings reports each value with its source and lock. It may arrive as a list of
 * `{ key, value, source, locked }`, as `{ key: { value, source, locked } }`, or as plain
 * values beside `sources`/`locked` maps; the pages see one shape.
 */
export function settingsView(raw: unknown): SettingView[] {
  if (!raw || typeof raw !== 'object') return [];
  const r = raw as Record<string, unknown>;
  if (Array.isArray(r.items)) {
    return (r.items as Record<string, unknown>[]).map((x) => ({
      key: String(x.key),
      value: x.value,
      source: String(x.source ?? 'default'),
      locked: !!x.locked,
      reason: (x.reason ?? x.lockedReason ?? null) as string | null,
    }));
  }
  const sources = (r.sources ?? {}) as Record<string, string>;
  const locks = (r.locked && typeof r.locked === 'object' ? r.locked : {}) as Record<string, unknown>;
  return Object.entries(r)
    .filter(([k]) => k !== 'sources' && k !== 'locked')
    .map(([key, v]) => {
      if (isView(v)) return { key, value: v.value, source: v.source ?? 'default', locked: !!v.locked, reason: v.reason ?? v.lockedReason ?? null, updatedAt: v.updatedAt, updatedBy: v.updatedBy };
      const lock = locks[key];
      return { key, value: v, source: sources[key] ?? 'default', locked: !!lock, reason: typeof lock === 'string' ? lock : null };
    });
}

export function settingValue<T>(views: SettingView[], key: string, fallback: T): T {
  const v = views.find((s) => s.key === key);
  return v === undefined || v.value === undefined ? fallback : (v.value as T);
}

/** The mail driver ("smtp" or "log"); with "log", server settings are read-only. Undefined while loading. */
export function useMailDriver(): string | undefined {
  const r = useResource(() => api.get<unknown>('/settings').then((raw) => settingValue<string>(settingsView(raw), 'mailDriver', 'smtp')), []);
  // Unknown while loading; if the settings cannot be read, edit as usual (the API enforces locks anyway).
  return r.error ? 'smtp' : r.data;
}
