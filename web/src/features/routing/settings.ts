import { api, type Setting, type Settings, type SettingSource } from '../../api.js';
import { useResource, type Resource } from '../../hooks.js';
import { useFreshStart } from '../../ui/fresh-start.js';
import type { VersionConflictState } from '../../ui/VersionConflict.js';

/** One setting as the pages show it: a row with its value and where the value came from. */
export interface SettingView {
  key: string;
  value: unknown;
  source: SettingSource;
  locked: boolean;
  reason: string | null;
  updatedAt?: string;
  updatedBy?: string | null;
  /** Changes with every save that changes the value (0: never saved); sent back in a PATCH's `versions`. */
  version: number;
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
    version: s.version ?? 0,
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

/** Each setting's version in `views`, by key. */
export function versionsOf(views: SettingView[]): Record<string, number> {
  return Object.fromEntries(views.map((v) => [v.key, v.version]));
}

/** What a settings card was started from: the rows it read, and how it loads them afresh after a conflict. */
export interface SettingsStart {
  views: SettingView[];
  conflict: VersionConflictState;
  load(): Promise<void>;
}

/** The rows with one number that grows with any of their versions (each only grows, so their sum does). */
function snapshot(views: SettingView[]): { views: SettingView[]; version: number } {
  return { views, version: views.reduce((n, v) => n + v.version, 0) };
}

/**
 * A settings card started afresh from what is stored by *Load the saved version* after a refused
 * save (useFreshStart): the wrapper renders the card with `key` and `start.views`. `onLoaded` tells
 * the page, so what it shows beside the card (the Settings table) is what is stored too.
 */
export function useFreshSettings(views: SettingView[], onLoaded?: () => void): { key: number; start: SettingsStart } {
  const fresh = useFreshStart(snapshot(views), onLoaded);
  const load = async () => fresh.onFresh(snapshot(settingsView(await api.get<Settings>('/settings'))));
  return { key: fresh.key, start: { views: fresh.value.views, conflict: fresh.conflict, load } };
}
