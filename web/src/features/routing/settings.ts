import { api, type Setting, type Settings, type SettingSource } from '../../api.js';
import { useResource, type Resource } from '../../hooks.js';

/** One setting as the pages show it: a row with its value and where the value came from. */
export interface SettingView {
  key: string;
  value: unknown;
  source: SettingSource;
  locked: boolean;
  reason: string | null;
  updatedAt?: string;
  updatedBy?: string | null;
}

/** GET /settings (`{ key: { value, source, locked … } }`) as rows, in the API's order. */
export function settingsView(settings: Settings): SettingView[] {
  return Object.entries(settings).map(([key, s]: [string, Setting<unknown>]) => ({
    key,
    value: s.value,
    source: s.source,
    locked: s.locked,
    reason: s.lockedReason ?? null,
    updatedAt: s.updatedAt,
    updatedBy: s.updatedBy,
  }));
}

export function useSettings(): Resource<SettingView[]> {
  return useResource(() => api.get<Settings>('/settings').then(settingsView), []);
}

export function settingValue<T>(views: SettingView[], key: string, fallback: T): T {
  const v = views.find((s) => s.key === key);
  return v === undefined || v.value === undefined ? fallback : (v.value as T);
}

/** The mail driver ("smtp" or "log"); with "log", server settings are read-only. Undefined while loading. */
export function useMailDriver(): string | undefined {
  const r = useResource(() => api.get<Settings>('/settings').then((s) => s.mailDriver.value), []);
  // Unknown while loading; if the settings cannot be read, edit as usual (the API enforces locks anyway).
  return r.error ? 'smtp' : r.data;
}
