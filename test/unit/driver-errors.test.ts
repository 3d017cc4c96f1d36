import { describe, expect, it } from 'vitest';
import { DuplicateKeyError, StoreUnavailableError } from '../../src/core/kernel/errors.js';
import { createErrorTranslator } from '../../src/store/driver-errors.js';

/** Driver errors are told apart by their code; their text is not an interface (lc_messages translates it). */
describe('driver errors by code', () => {
  const translate = createErrorTranslator();
  const driverError = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code });

  it('SQLSTATE 23505 and the SQLite unique codes are a DuplicateKeyError, whatever the language', async () => {
    for (const [message, code] of [
      ['doppelter Schlüsselwert verletzt Unique-Constraint »users_email_key«', '23505'],
      ['la valeur d\'une clé dupliquée rompt la contrainte unique « users_email_key »', '23505'],
      ['UNIQUE constraint failed: users.email', 'SQLITE_CONSTRAINT_UNIQUE'],
      ['UNIQUE constraint failed: users.id', 'SQLITE_CONSTRAINT_PRIMARYKEY'],
    ]) {
      expect(await translate(driverError(message, code)), code).toBeInstanceOf(DuplicateKeyError);
    }
  });

  it('English words without the code are not a duplicate', async () => {
    const err = driverError('duplicate key value violates unique constraint "users_email_key"');
    expect(await translate(err)).toBe(err);
    // Another constraint (NOT NULL, foreign key) is not a duplicate either.
    expect(await translate(driverError('NOT NULL constraint failed: users.email', 'SQLITE_CONSTRAINT_NOTNULL'))).not.toBeInstanceOf(DuplicateKeyError);
    expect(await translate(driverError('verletzt Fremdschlüssel-Constraint', '23503'))).not.toBeInstanceOf(DuplicateKeyError);
  });

  it('an unreachable database is StoreUnavailableError, not a duplicate', async () => {
    expect(await translate(driverError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBeInstanceOf(StoreUnavailableError);
  });
});
