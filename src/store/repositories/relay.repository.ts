import type { Kysely } from 'kysely';
import type { Authentication, StoredSmtpCredential } from '../../core/relay/credentials.js';
import type { RelayRejection, RelayRejectionRepository, RejectionStage, SmtpCredentialRepository } from '../../core/relay/ports.js';
import type { DB } from '../schema.js';
import { assertCursorRow, keysetPage } from '../pages.js';
import type { RelayRejectionsTable, SmtpCredentialsTable } from '../schema/relay.js';
import { bool, json, oneOf, rowMapping, same } from './row-mapping.js';
import { keyedTable } from './keyed-table.js';

const credential = rowMapping<StoredSmtpCredential, SmtpCredentialsTable>()({
  id: same,
  name: same,
  username: same,
  authentication: oneOf<Authentication>(),
  passwordHash: same,
  allowedFrom: json<string[]>([]),
  purpose: same,
  accountId: same,
  maxMessageBytes: same,
  maxRecipients: same,
  perMinute: same,
  allowedIps: json<string[]>([]),
  enabled: bool,
  createdBy: same,
  createdAt: same,
  updatedAt: same,
  lastUsedAt: same,
  passwordRotatedAt: same,
  version: same,
});

export function smtpCredentialsRepository(db: Kysely<DB>): SmtpCredentialRepository {
  return {
    ...keyedTable(db, { table: 'smtp_credentials', key: 'id', mapping: credential, order: ['name'], fixed: ['created_at', 'created_by'] }),
    async findByUsername(username) {
      const r = await db.selectFrom('smtp_credentials').selectAll().where('username', '=', username).executeTakeFirst();
      return r && credential.toDomain(r);
    },
    async touch(id, at) {
      await db.updateTable('smtp_credentials').set({ last_used_at: at }).where('id', '=', id).execute();
    },
    async naming(field, value) {
      const rows = await db.selectFrom('smtp_credentials').selectAll().where(field === 'accountId' ? 'account_id' : 'purpose', '=', value).orderBy('name').orderBy('id').execute();
      return rows.map(credential.toDomain);
    },
  };
}

const rejection = rowMapping<RelayRejection, RelayRejectionsTable>()({
  id: same,
  at: same,
  clientIp: same,
  credentialId: same,
  username: same,
  stage: oneOf<RejectionStage>(),
  code: same,
  reply: same,
});

export function relayRejectionsRepository(db: Kysely<DB>): RelayRejectionRepository {
  return {
    async insert(r) {
      await db.insertInto('relay_rejections').values(rejection.toRow(r)).execute();
    },
    async list({ limit, cursor, credentialId }) {
      if (cursor) await assertCursorRow(db.selectFrom('relay_rejections').select('id').where('id', '=', cursor));
      let q = db.selectFrom('relay_rejections').selectAll().orderBy('id', 'desc').limit(limit + 1);
      if (cursor) q = q.where('id', '<', cursor);
      if (credentialId) q = q.where('credential_id', '=', credentialId);
      return keysetPage(await q.execute(), limit, rejection.toDomain);
    },
    async prune(before) {
      const res = await db.deleteFrom('relay_rejections').where('at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
