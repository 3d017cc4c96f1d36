import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const ENV = {
  MAILROOM_SMTP_HOST: 'smtp.deploy.example',
  MAILROOM_SMTP_PORT: '2525',
  MAILROOM_SMTP_USERNAME: 'deploy-login',
  MAILROOM_SMTP_PASSWORD: 'env-Pa55word-to-remove',
  MAILROOM_MAIL_FROM_ADDRESS: 'noreply@deploy.example',
  MAILROOM_MAIL_FROM_NAME: 'Deploy Bot',
};

await describeEachDialect('deploy-time password removed from the environment', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: ENV });
  });
  afterAll(async () => t?.close());

  it('starts again without the password, and the account no longer has one', async () => {
    // Before the fix the restart failed with "FOREIGN KEY constraint failed" and a stack trace:
    // the stored secret was deleted while the account still pointed at it.
    const before = (await t.app.ports.ctx.store.repos.accounts.list()).find((a) => a.source === 'env')!;
    expect(before.passwordSecretId).toBeTruthy();
    await t.restart({ MAILROOM_SMTP_PASSWORD: '' });
    const accounts = (await (await t.request({ method: 'GET', url: '/api/v1/accounts' })).json()).items;
    expect(accounts.find((a: { source: string }) => a.source === 'env')).toMatchObject({ passwordSet: false });
    const ids = (await t.app.infra.db.selectFrom('secrets').select('id').execute()).map((r) => r.id);
    expect(ids).not.toContain(before.passwordSecretId);
  });
});
