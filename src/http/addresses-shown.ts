import type { FastifyRequest } from 'fastify';
import { redactField } from '../core/kernel/audit.js';
import { principalOf } from './auth.js';

/**
 * An address that may carry a secret (`?token=…`, `?client_secret=…`, `https://user:pass@…`: as
 * some receivers and identity providers take it) as the caller may read it. A caller without the
 * admin permission reads it as the audit log shows it, the secret hidden: else a `read` key read
 * what the audit log hides. An admin, who set it and whose edit form sends it back whole, reads
 * it as stored; the stored value is what Mailroom uses.
 */
export function addressShownTo<T extends string | null>(req: FastifyRequest, key: string, value: T): T {
  if (value === null || principalOf(req).permissions.has('admin')) return value;
  return String(redactField(key, value)) as T;
}
