import type { Kysely, Selectable } from 'kysely';
import type { Authentication, StoredSmtpCredential } from '../../core/relay/credentials.js';
import type { RelayRejection, RelayRejectionRepository, RejectionStage, SmtpCredentialRepository } from '../../core/relay/ports.js';
import { flag, fromJson, toJson } from '../json.js';
import type { DB } from '../schema.js';
import { keysetPage } from '../pages.js';
import type { RelayRejectionsTable, SmtpCredentialsTable } from '../schema/relay.js';

function toCredential(r: Selectable<SmtpCredentialsTable>): StoredSmtpCredential {
  return {
    id: r.id,
    name: r.name,
    username: r.username,
    authentication: r.authentication as Authentication,
    passwordHash: r.password_hash,
    allowedFrom: fromJson<string[]>(r.allowed_from, []),
    purpose: r.purpose,
    accountId: r.account_id,
    maxMessageBytes: r.max_message_bytes,
    maxRecipients: r.max_recipients,
    perMinute: r.per_minute,
    allowedIps: fromJson<string[]>(r.allowed_ips, []),
    enabled: r.enabled === 1,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastUsedAt: r.last_used_at,
    passwordRotatedAt: r.password_rotated_at,
    version: r.version,
  };
}

function toRow(c: StoredSmtpCredential): SmtpCredentialsTable {
  return {
    id: c.id,
    name: c.name,
    username: c.username,
    authentication: c.authentication,
    password_hash: c.passwordHash,
    allowed_from: toJson(c.allowedFrom),
    purpose: c.purpose,
    account_id: c.accountId,
    max_message_bytes: c.maxMessageBytes,
    max_recipients: c.maxRecipients,
    per_minute: c.perMinute,
    allowed_ips: toJson(c.allowedIps),
    enabled: flag(c.enabled),
    created_by: c.createdBy,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    last_used_at: c.lastUsedAt,
    password_rotated_at: c.passwordRotatedAt,
    version: c.version,
  };
}

export function smtpCredentialsRepository(db: Kysely<DB>): SmtpCredentialRepository {
  return {
    async list() {
      return (await db.selectFrom('smtp_credentials').selectAll().orderBy('name').execute()).map(toCredential);
    },
    async get(id) {
      const r = await db.selectFrom('smtp_credentials').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toCredential(r);
    },
    async findByUsername(username) {
      const r = await db.selectFrom('smtp_credentials').selectAll().where('username', '=', username).executeTakeFirst();
      return r && toCredential(r);
    },
    async insert(c) {
      await db.insertInto('smtp_credentials').values(toRow(c)).execute();
    },
    async update(next, expectedVersion) {
      const { id: _id, created_at: _c, created_by: _b, ...row } = toRow(next);
      const res = await db.updateTable('smtp_credentials').set(row).where('id', '=', next.id).where('version', '=', expectedVersion).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async delete(id) {
      await db.deleteFrom('smtp_credentials').where('id', '=', id).execute();
    },
    async touch(id, at) {
      await db.updateTable('smtp_credentials').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}

function toRejection(r: Selectable<RelayRejectionsTable>): RelayRejection {
  return {
    id: r.id,
    at: r.at,
    clientIp: r.client_ip,
    credentialId: r.credential_id,
    username: r.username,
    stage: r.stage as RejectionStage,
    code: r.code,
    reply: r.reply,
  };
}

export function relayRejectionsRepository(db: Kysely<DB>): RelayRejectionRepository {
  return {
    async insert(r) {
      await db
        .insertInto('relay_rejections')
        .values({ id: r.id, at: r.at, client_ip: r.clientIp, credential_id: r.credentialId, username: r.username, stage: r.stage, code: r.code, reply: r.reply })
        .execute();
    },
    async list({ limit, cursor, credentialId }) {
      let q = db.selectFrom('relay_rejections').selectAll().orderBy('id', 'desc').limit(limit + 1);
      if (cursor) q = q.where('id', '<', cursor);
      if (credentialId) q = q.where('credential_id', '=', credentialId);
      return keysetPage(await q.execute(), limit, toRejection);
    },
    async prune(before) {
      const res = await db.deleteFrom('relay_rejections').where('at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
