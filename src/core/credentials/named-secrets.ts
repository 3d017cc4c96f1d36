import { invalid } from '../kernel/errors.js';
import { hasControlChars, hasHeaderUnsafeChars } from '../kernel/header-safety.js';
import { doc, onlyKeys, optStr, str } from '../kernel/validate.js';
import { SECRET_NAME } from './references.js';

/**
 * An internal named secret: one value (say, the relay's SMTP password) that several accounts
 * use as `internal:<name>`, rotated in one place. The value is write-only and encrypted.
 */
export interface NamedSecret {
  name: string;
  description: string | null;
  createdAt: number;
  updatedAt: number;
  /** When the value was last set (creation or rotation). */
  rotatedAt: number;
  version: number;
}

export interface StoredNamedSecret extends NamedSecret {
  secretId: string;
}

export function secretName(v: unknown): string {
  const name = str('name', v, { max: 100 });
  if (!SECRET_NAME.test(name)) throw invalid('name', 'must be 1-100 letters, digits, "_", "-" or "." and start with a letter or digit');
  return name;
}

/** PUT secrets/:name: the value (required to create, optional to change the description) and a description. */
export function normalizeNamedSecretInput(input: unknown, exists: boolean): { value: string | undefined; description: string | null | undefined } {
  const d = doc('secret', input);
  onlyKeys('secret', d, ['value', 'description', 'version']);
  if (!exists && d.value === undefined) throw invalid('value', 'is required to create a secret');
  const value = d.value === undefined ? undefined : str('value', d.value, { max: 4000 });
  if (value !== undefined && hasHeaderUnsafeChars(value)) throw invalid('value', 'must be one line: CR, LF and NUL cannot be part of an SMTP password');
  const description = d.description === undefined ? undefined : (optStr('description', d.description, { max: 500 })?.trim() ?? null);
  if (description && hasControlChars(description)) throw invalid('description', 'must not contain control characters');
  return { value, description };
}

export function publicNamedSecret(s: StoredNamedSecret): NamedSecret {
  const { secretId: _hidden, ...rest } = s;
  return rest;
}
