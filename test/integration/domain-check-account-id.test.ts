import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * GET /domains/:domain/check?accountId= takes an account's id. Text no account id can be (a
 * name, an address, a typo) was looked up and answered 404 "account x does not exist", where
 * every other route's id parameter is 400 naming the parameter (assertIdFilter); a well-formed
 * id no account has stays 404, as GET /accounts/:id answers it. Refused before any DNS query.
 */
await describeEachDialect('domain check: accountId', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    // No resolver answers here: the refusals come before any query.
    t = await startTestApp(dialect, { env: { MAILROOM_DNS_SERVERS: '127.0.0.1:9' } });
  });
  afterAll(async () => t?.close());

  it('a malformed id is 400 naming accountId; a well-formed unknown one 404', async () => {
    for (const accountId of ['x', 'app@example.com', 'acc_short', 'srv_01m97y8ran610zejhmpqva0mnf']) {
      const res = await t.request({ method: 'GET', url: `/api/v1/domains/example.com/check?accountId=${encodeURIComponent(accountId)}` });
      expect(res.statusCode, `${accountId} ${res.body}`).toBe(400);
      expect(res.json().error, accountId).toEqual({
        code: 'MAILROOM_E_VALIDATION',
        message: `accountId: "${accountId}" is not an account id: give the id (acc_ and 26 characters, as the API shows it)`,
        details: { field: 'accountId' },
      });
    }
    const unknown = await t.request({ method: 'GET', url: '/api/v1/domains/example.com/check?accountId=acc_01m97y8raq7avhh0qyfxjpmjjw' });
    expect(unknown.statusCode, unknown.body).toBe(404);
    expect(unknown.json().error.details).toEqual({ kind: 'account', id: 'acc_01m97y8raq7avhh0qyfxjpmjjw' });
  });
});
