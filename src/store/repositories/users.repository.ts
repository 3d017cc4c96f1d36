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
    async countAdmins() {
      const r = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .where('disabled', '=', 0)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
