import type { Kysely } from 'kysely';
import type { UserRecord, UserRepository } from '../../core/access/ports.js';
import type { Role } from '../../core/access/users.js';
import type { DB } from '../schema.js';
import type { UsersTable } from '../schema/access.js';
import { keyedTable } from './keyed-table.js';
import { bool, oneOf, rowMapping, same } from './row-mapping.js';

const user = rowMapping<UserRecord, UsersTable>()({
  id: same,
  email: same,
  name: same,
  role: oneOf<Role>(),
  disabled: bool,
  passwordHash: same,
  passwordChangeRequired: bool,
  createdAt: same,
  updatedAt: same,
  version: same,
});

export function usersRepository(db: Kysely<DB>): UserRepository {
  const { list, get, insert, update, delete: remove } = keyedTable(db, { table: 'users', key: 'id', mapping: user, order: ['email'], fixed: ['created_at'] });
  return {
    list,
    get,
    insert,
    update,
    delete: remove,
    async findByEmail(email) {
      const r = await db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
      return r && user.toDomain(r);
    },
    async count() {
      const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async lockActiveAdmins() {
      // A write of what is there (their role is admin already), for its locks: PostgreSQL holds
      // each active admin's row until the transaction ends, and a row another transaction is
      // changing is waited for and then judged as that one left it (READ COMMITTED re-reads it),
      // so a second change counts only the admins the first one left. A plain count (or one
      // after the write) saw the other transaction's admin as still active, and both went
      // ahead. SQLite: the write takes its one write lock. The same SQL on both, so the
      // repository needs no dialect (FOR UPDATE is PostgreSQL's alone).
      const r = await db.updateTable('users').set({ role: 'admin' }).where('role', '=', 'admin').where('disabled', '=', 0).executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}
