import { invalid } from './errors.js';

/**
 * `""` asks for nothing, and taken as left out it did what the caller never asked (a bulk filter
 * matched every message, a PATCH removed a password): refused, saying what to do instead.
 */
export function refuseEmpty(field: string, v: unknown, instead = 'leave it out instead'): void {
  if (v === '') throw invalid(field, `must not be empty: ${instead}`);
}
