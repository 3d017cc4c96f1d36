import { PROVIDER_KINDS, SECRET_NAME } from '../credentials/references.js';

/**
 * A secret reference as an audit entry records it (an account's `passwordRef`, an OAuth2
 * `clientSecretRef`): the provider it reads through or the internal secret it reads, so the log
 * can name them. Only the forms credentials/references.ts stores; anything else is no reference.
 */
export interface AuditedSecretRef {
  /** What stands before the first slash of "vault:spv_…/path#field" (and the other provider kinds). */
  providerId?: string;
  /** The internal secret's name in "internal:<name>". */
  internal?: string;
}

export function secretRefIn(text: string): AuditedSecretRef | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (kind === 'internal') return SECRET_NAME.test(rest) ? { internal: rest } : undefined;
  const slash = rest.indexOf('/');
  return (PROVIDER_KINDS as readonly string[]).includes(kind) && slash > 0 ? { providerId: rest.slice(0, slash) } : undefined;
}
