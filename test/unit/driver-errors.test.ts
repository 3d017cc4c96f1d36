import { describe, expect, it } from 'vitest';
import { DuplicateKeyError, StoreUnavailableError, type StoreTrouble } from '../../src/core/kernel/errors.js';
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

  it('a read-only database (25006) is unavailable, saying so: "nothing was stored" is true, the statement failed', async () => {
    const err = await translate(driverError('cannot execute INSERT in a read-only transaction', '25006'));
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ code: 'MAILROOM_E_STORE_UNAVAILABLE', message: expect.stringMatching(/^the database is read-only: is DATABASE_URL pointing at a standby.*\(25006\); nothing was stored/) });
  });

  it('a prepared statement missing (26000) or there already (42P05) is unavailable, naming PgBouncer and the fix', async () => {
    for (const code of ['26000', '42P05']) {
      expect(await translate(driverError('prepared statement "mailroom_begin" does not exist', code))).toMatchObject({
        code: 'MAILROOM_E_STORE_UNAVAILABLE',
        message: expect.stringMatching(/PgBouncer in transaction mode needs version 1\.21 or later with max_prepared_statements set, or use pool_mode = session/),
      });
    }
  });

  it('a refusal while connecting is unavailable whatever its code (55000, 3D000, 28P01); 55000 at other times is not', async () => {
    const refused = new Set<unknown>();
    const connecting = createErrorTranslator({ isConnectFailure: (err) => refused.has(err) });
    const at = (message: string, code: string) => {
      const err = driverError(message, code);
      refused.add(err);
      return err;
    };
    expect(await connecting(at('database "x" is not currently accepting connections', '55000'))).toMatchObject({ code: 'MAILROOM_E_STORE_UNAVAILABLE', message: expect.stringMatching(/does not allow connections/) });
    expect(await connecting(at('database "x" does not exist', '3D000'))).toMatchObject({ message: expect.stringMatching(/does not exist/) });
    expect(await connecting(at('password authentication failed', '28P01'))).toMatchObject({ message: expect.stringMatching(/check the user name and password in DATABASE_URL/) });
    expect(await connecting(at('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'))).toMatchObject({ message: expect.stringMatching(/^cannot connect to the database/) });
    const elsewhere = driverError('object not in prerequisite state', '55000');
    expect(await connecting(elsewhere)).toBe(elsewhere);
  });

  it('an error that ended a COMMIT sent and never answered is MAILROOM_E_STORE_OUTCOME_UNKNOWN, whatever its code: never "nothing was stored"', async () => {
    const lost = new Set<unknown>();
    const committing = createErrorTranslator({ isCommitInDoubt: (err) => lost.has(err) });
    for (const err of [new Error('Connection terminated unexpectedly'), driverError('terminating connection due to administrator command', '57P01'), driverError('read ECONNRESET', 'ECONNRESET')]) {
      lost.add(err);
      const translated = await committing(err);
      expect(translated).toBeInstanceOf(StoreUnavailableError);
      expect(translated).toMatchObject({ kind: 'outcome-unknown', code: 'MAILROOM_E_STORE_OUTCOME_UNKNOWN', details: { retryAfterSec: 5 } });
      expect((translated as Error).message).toMatch(/may or may not have been stored; try again with the same idempotency key/);
      expect((translated as Error).message).not.toMatch(/nothing was stored/);
    }
  });

  it('tells each cause of an outage once a minute, also when causes take turns', async () => {
    const told: string[] = [];
    const counting = createErrorTranslator({ onOutage: (_err, kind: StoreTrouble, problem) => told.push(`${kind} ${problem ?? ''}`) });
    for (let i = 0; i < 20; i++) {
      await counting(driverError('connect ECONNREFUSED', 'ECONNREFUSED'));
      await counting(driverError('read-only', '25006'));
    }
    expect(told).toEqual(['unavailable ', expect.stringMatching(/^unavailable the database is read-only/)]);
  });
});
