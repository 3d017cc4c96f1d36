import type { Kysely, Selectable } from 'kysely';
import type { UserRecord, UserRepository } from '../../core/access/ports.js';
import type { Role } from '../../core/access/users.js';
import type { DB } from '../schema.js';
import type { UsersTable } from '../schema/access.js';
import { flag } from '../json.js';

function toUser(r: Selectable<UsersTable>): UserRecord {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role as Role,
    disabled: r.disabled === 1,
    passwordHash: r.password_hash,
    passwordChangeRequired: r.password_change_required === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

function toRow(u: UserRecord): Selectable<UsersTable> {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    disabled: flag(u.disabled),
    password_hash: u.passwordHash,
    password_change_required: flag(u.passwordChangeRequired),
    created_at: u.createdAt,
    updated_at: u.updatedAt,
    version: u.version,
  };
}

export function usersRepository(db: Kysely<DB>): UserRepository {
  return {
    async list() {
      return (await db.selectFrom('users').selectAll().orderBy('email').execute()).map(toUser);
    },
    async get(id) {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toUser(r);
    },
    async findByEmail(email) {
      const r = await db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
      return r && toUser(r);
    },
    async count() {
      const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async countAdmins() {
      const r = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .where('disabled', '=', 0)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async insert(u) {
      await db.insertInto('users').values(toRow(u)).execute();
    },
    async update(u) {
      const { id: _id, created_at: _c, ...row } = toRow(u);
      await db.updateTable('users').set(row).where('id', '=', u.id).execute();
    },
    async delete(id) {
      await db.deleteFrom('users').where('id', '=', id).execute();
    },
  };
}
