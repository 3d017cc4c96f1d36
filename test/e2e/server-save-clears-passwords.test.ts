import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, type AdminSession } from './harness.js';

/**
 * A save of a mail server that moves it (SMTP host, port or encryption; IMAP's too; an IMAP
 * section added on another host) clears the stored passwords of its accounts (PATCH
 * /servers/:id). The server form says so while it holds such a change — which change, how many
 * accounts with a password, which ones — and after the save, next to "Saved.", which passwords
 * were cleared, with a link to each account. A change that keeps them (the name, an IMAP section
 * on the SMTP host) or a server none of whose accounts has a password says nothing of the kind.
 * Screenshots: server-clears-passwords-*.png.
 */
describe.runIf(chromiumAvailable())('server form: a save that clears the accounts’ passwords says so', { timeout: 120_000 }, () => {
  let s: AdminSession;
  const api = setUpApi(() => s);
  let serverId = '';
  let withPassword: { id: string }[] = [];
  let without = '';

  beforeAll(async () => {
    s = await openAdminSession('sqlite');
    serverId = (await api('POST', '/servers', { name: 'Provider', smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' } })).id;
    withPassword = [
      await api('POST', '/accounts', { serverId, address: 'billing@example.com', password: 'billing-secret-1' }),
      await api('POST', '/accounts', { serverId, address: 'support@example.com', password: 'support-secret-1' }),
    ];
    without = (await api('POST', '/accounts', { serverId, address: 'nopass@example.com' })).id;
    // Each test leaves typed work behind: the browser's own question on leaving is answered "leave".
    s.page.on('dialog', (d) => void d.accept().catch(() => undefined));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  const passwordSet = async (id: string) => (await api('GET', `/accounts/${id}`)).passwordSet;

  it('says before saving which change clears the passwords of how many accounts, and after saving which were cleared', async () => {
    const { page } = s;
    // The page loads the server's accounts once: its tests and the form's count share them.
    const accountLoads: string[] = [];
    const count = (r: { url(): string }) => void (r.url().includes('/api/v1/accounts?') && accountLoads.push(r.url()));
    page.on('request', count);
    await page.goto(`/servers/${serverId}`);
    const form = page.getByRole('form', { name: 'Edit server Provider' });
    const warning = page.getByTestId('server-clears-passwords');
    await page.getByRole('heading', { name: 'Send test email' }).waitFor();
    expect(accountLoads).toEqual([expect.stringContaining(`serverId=${serverId}`)]);
    page.off('request', count);
    // A new name keeps the passwords: nothing is said.
    await form.getByLabel('Name', { exact: true }).fill('Provider renamed');
    await form.getByLabel('Port', { exact: true }).waitFor();
    expect(await warning.count()).toBe(0);
    await form.getByLabel('Name', { exact: true }).fill('Provider');

    await form.getByLabel('Port', { exact: true }).fill('2525');
    await warning.waitFor();
    const said = await warning.textContent();
    expect(said).toContain('Saving changes the port (587 → 2525)');
    expect(said).toContain('the stored passwords of 2 accounts on this server (billing@example.com and support@example.com)');
    expect(said).not.toContain('nopass@example.com');
    await screenshot(page, 'server-clears-passwords-01-before-save');

    // Back to what is saved: nothing would be cleared, and nothing is said.
    await form.getByLabel('Port', { exact: true }).fill('587');
    await warning.waitFor({ state: 'detached' });

    await form.getByLabel('Port', { exact: true }).fill('2525');
    await warning.waitFor();
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    const done = page.getByTestId('server-cleared-passwords');
    expect(await done.textContent()).toBe(
      'The port (587 → 2525) changed, so the stored passwords of 2 accounts were cleared. Enter each one again on the account’s page: billing@example.com, support@example.com.',
    );
    for (const a of withPassword) expect(await passwordSet(a.id)).toBe(false);
    expect(await passwordSet(without)).toBe(false);
    // Nothing left to warn about: the form holds what was saved, and no account has a password now.
    expect(await warning.count()).toBe(0);
    await screenshot(page, 'server-clears-passwords-02-after-save');

    await done.getByRole('link', { name: 'billing@example.com' }).click();
    await page.waitForURL(`**/accounts/${withPassword[0]!.id}`);
    expect(s.errors).toEqual([]);
  });

  it('says nothing when no account on the server has a password', async () => {
    const { page } = s;
    await page.goto(`/servers/${serverId}`);
    const form = page.getByRole('form', { name: 'Edit server Provider' });
    await form.getByLabel('Port', { exact: true }).fill('465');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    expect(await page.getByTestId('server-clears-passwords').count()).toBe(0);
    expect(await page.getByTestId('server-cleared-passwords').count()).toBe(0);
  });

  it('an IMAP section on the SMTP host keeps the passwords; on another host, or its host changed, it says so', async () => {
    const { page } = s;
    const imapServer = (await api('POST', '/servers', { name: 'Mailbox', smtp: { host: 'mail.example.org', port: 587, security: 'starttls' } })).id;
    await api('POST', '/accounts', { serverId: imapServer, address: 'desk@example.org', password: 'desk-secret-1' });
    await page.goto(`/servers/${imapServer}`);
    const form = page.getByRole('form', { name: 'Edit server Mailbox' });
    const warning = page.getByTestId('server-clears-passwords');
    await form.getByText('IMAP', { exact: true }).click();
    await form.getByLabel('This server also offers IMAP').check();
    await form.getByLabel('IMAP host').fill('MAIL.example.org');
    await form.getByLabel('IMAP port').waitFor();
    expect(await warning.count()).toBe(0);
    await form.getByLabel('IMAP host').fill('imap.example.org');
    await warning.waitFor();
    expect(await warning.textContent()).toContain("Saving changes an IMAP section on another host (imap.example.org) than SMTP's: that clears the stored password of 1 account on this server (desk@example.org)");
    await screenshot(page, 'server-clears-passwords-03-imap-elsewhere');

    // Saved on the SMTP host, the IMAP section keeps the password; a change of its host clears it.
    await form.getByLabel('IMAP host').fill('mail.example.org');
    await warning.waitFor({ state: 'detached' });
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    expect(await page.getByTestId('server-cleared-passwords').count()).toBe(0);
    await form.getByLabel('IMAP host').fill('imap.example.org');
    expect(await warning.textContent()).toContain('Saving changes the IMAP host (mail.example.org → imap.example.org)');
    expect(s.errors).toEqual([]);
  });

  it('an OAuth2 account among them: its client secret and sign-in go too, and the note says what to do instead', async () => {
    const { page } = s;
    const oauthServer = (await api('POST', '/servers', { name: 'OAuth provider', smtp: { host: 'smtp.oauth.example', port: 587, security: 'starttls', requireTls: true } })).id;
    type OAuth2Account = { id: string; auth: { clientSecretSet: boolean } };
    const account = (await api('POST', '/accounts', {
      serverId: oauthServer,
      address: 'oauth@example.com',
      auth: { type: 'oauth2', provider: 'generic', clientId: 'mailroom', clientSecret: 'client-secret-1', tokenUrl: 'https://idp.example.com/token', authorizeUrl: 'https://idp.example.com/authorize' },
    })) as unknown as OAuth2Account;
    expect(account.auth.clientSecretSet).toBe(true);
    await page.goto(`/servers/${oauthServer}`);
    const form = page.getByRole('form', { name: 'Edit server OAuth provider' });
    await form.getByLabel('Port', { exact: true }).fill('2587');
    const warning = page.getByTestId('server-clears-passwords');
    await warning.waitFor();
    expect(await warning.textContent()).toContain('that clears the stored OAuth2 sign-in of 1 account on this server (oauth@example.com)');
    expect(await warning.textContent()).toContain('(an OAuth2 account: its client secret if it was stored there, then Connect)');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('server-cleared-passwords').waitFor();
    expect(await page.getByTestId('server-cleared-passwords').textContent()).toContain('so the stored OAuth2 sign-in of 1 account was cleared');
    expect(((await api('GET', `/accounts/${account.id}`)) as unknown as OAuth2Account).auth.clientSecretSet).toBe(false);
  });
});
