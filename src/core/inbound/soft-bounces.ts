import { doc, int, onlyKeys } from '../kernel/validate.js';

/**
 * When soft bounces (4.x.x, Action: failed) suppress an address: at the `count`-th one within
 * `windowDays`. A full mailbox or a greylisting server fails now and then; an address that keeps
 * failing is as good as gone. Admins tune it through the settings API (`softBounces`).
 */
export interface SoftBounceSettings {
  count: number;
  windowDays: number;
}

export const DEFAULT_SOFT_BOUNCES: SoftBounceSettings = Object.freeze({ count: 3, windowDays: 7 });

const DAY_MS = 24 * 3600 * 1000;

/** The window in milliseconds, as the bounce handling counts it. */
export function softBounceWindowMs(s: SoftBounceSettings): number {
  return s.windowDays * DAY_MS;
}

/** Validates `settings.softBounces`; fields left out keep their value in `prev`. */
export function parseSoftBounces(v: unknown, prev: SoftBounceSettings = DEFAULT_SOFT_BOUNCES): SoftBounceSettings {
  const d = doc('softBounces', v);
  onlyKeys('softBounces', d, ['count', 'windowDays']);
  return {
    count: d.count === undefined ? prev.count : int('softBounces.count', d.count, 1, 100),
    windowDays: d.windowDays === undefined ? prev.windowDays : int('softBounces.windowDays', d.windowDays, 1, 365),
  };
}
