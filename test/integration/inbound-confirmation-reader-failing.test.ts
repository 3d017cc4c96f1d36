import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { inboundApp } from '../helpers/inbound-app.js';
import { mailPeers } from '../helpers/mail-peers.js';

/**
 * A confirmed test email to an account whose IMAP reader is failing cannot be confirmed until
 * the reader reads again: its confirmation says so at once, with the reader's error in words,
 * instead of "pending" for ten minutes and then "timeout". Once the reader works again it is
 * pending again (and confirmed when it arrives: test/integration/inbound-imap.test.ts).
 */
const PASSWORD = 'Inbound-Failing-5';
const peers = mailPeers('mailroom-inbound-failing-', () => ({ 'ok-sqlite@example.com': PASSWORD, 'ok-postgres@example.com': PASSWORD, 'wrong-sqlite@example.com': PASSWORD, 'wrong-postgres@example.com': PASSWORD }), 'confirmation with a failing reader');

type Summary = { id: string };

await describeEachDialect('a confirmed test email while the account\'s reader is failing (Dovecot)', (dialect) => {
  if (!peers.ready) return;
  const app = inboundApp<Summary>(dialect, {
    peers,
    address: `ok-${dialect}@example.com`,
    password: PASSWORD,
    tuning: { pollMs: 300, refreshMs: 200, backoffBaseMs: 200, backoffMaxMs: 500, leaseMs: 10_000 },
    diagnose: 'status and log',
  });
  const { api, until } = app;

  it('says the reader is failing, with its error, at once; and pending again once it reads', async () => {
    const address = `wrong-${dialect}@example.com`;
    const created = await api('POST', '/accounts', { serverId: app.serverId, address, password: 'not-the-password', inbound: { folders: ['INBOX'] } });
    expect(created.statusCode).toBe(201);
    const accountId = created.json().id as string;
    await app.inbound.refresh();
    await until('the reader to fail its login', async () => {
      const b = (await api('GET', '/inbound/status')).json().mailboxes.find((x: { accountId: string }) => x.accountId === accountId);
      return b?.state === 'failing';
    });

    const sent = await api('POST', `/accounts/${accountId}/test`, { confirm: true });
    expect(sent.statusCode).toBe(202);
    const id = sent.json().messageId as string;
    const detail = (await api('GET', `/messages/${id}`)).json();
    // The answer says so at once, as the message does: no need to read it back to learn it.
    expect(sent.json()).toEqual({ messageId: id, confirmation: 'reader_failing', confirmationError: detail.confirmationError });
    expect(detail.confirmation).toBe('reader_failing');
    expect(detail.confirmationError).toContain('INBOX');
    expect(detail.confirmationError).toContain(`refused the login as ${address}`);
    expect(detail.confirmationError).not.toContain('not-the-password');
    const listed = (await api('GET', `/messages?accountId=${accountId}&purpose=test`)).json().items[0];
    expect([listed.id, listed.confirmation, listed.confirmationError]).toEqual([id, 'reader_failing', detail.confirmationError]);
    // Other messages say nothing of it.
    expect((await api('GET', `/messages?accountId=${app.accountId}`)).json().items.every((m: { confirmationError: unknown }) => m.confirmationError === null)).toBe(true);

    // The password is put right: the reader reads again, and the test email waits for its arrival.
    const version = (await api('GET', `/accounts/${accountId}`)).json().version;
    expect((await api('PATCH', `/accounts/${accountId}`, { version, password: PASSWORD })).statusCode).toBe(200);
    await app.inbound.refresh();
    const back = await until('the confirmation to be pending again', async () => {
      const m = (await api('GET', `/messages/${id}`)).json();
      return m.confirmation === 'pending' && m;
    });
    expect(back.confirmationError).toBeNull();
  });
});
