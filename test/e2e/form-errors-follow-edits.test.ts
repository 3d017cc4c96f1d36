import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, type AdminSession } from './harness.js';

/**
 * A refusal speaks of the values that were sent: it is shown beside the field it names and goes
 * once the form is edited. Checked on the SMTP relay's credential form (a name in use, at the Name
 * field), the suppression form and a webhook endpoint's URL; and the rule's dry run says why a rule
 * would send nothing in words, without the API's error code.
 * Screenshots: follow-edits-*.png.
 */
describe.runIf(chromiumAvailable())('form errors follow edits', { timeout: 120_000 }, () => {
  let s: AdminSession;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  }, 120_000);
  afterAll(async () => s?.close());

  it('SMTP relay: a name in use is refused at the Name field, and the refusal goes once the form is edited', async () => {
    const { page } = s;
    await api('POST', '/smtp-credentials', { name: 'Invoices', allowedFrom: ['@example.com'] });
    await page.goto('/smtp-relay');
    const form = page.getByRole('form', { name: 'New SMTP credential' });
    const name = form.getByLabel('Name', { exact: true });
    await name.fill('Invoices');
    await form.getByLabel('May send as').fill('@example.com');
    await form.getByRole('button', { name: 'Create credential' }).click();
    const nameError = form.locator('#cred-new-name-err');
    await expect.poll(() => nameError.count()).toBe(1);
    expect(await nameError.innerText()).toContain('an SMTP credential named "Invoices" exists already');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.getAttribute('aria-describedby')).toContain('cred-new-name-err');
    // Said once, at the field: not again in a box under the form.
    expect(await form.getByRole('alert').count()).toBe(0);
    await screenshot(page, 'follow-edits-01-relay-name-taken');

    await name.fill('Invoices 2');
    await expect.poll(() => form.getByRole('alert').count()).toBe(0);
    expect(await nameError.count()).toBe(0);
    expect(await name.getAttribute('aria-invalid')).toBeNull();
    // Editing another field clears it too.
    await name.fill('Invoices');
    await form.getByRole('button', { name: 'Create credential' }).click();
    await expect.poll(() => nameError.count()).toBe(1);
    await form.getByLabel('Messages per minute').fill('60');
    await expect.poll(() => form.getByRole('alert').count()).toBe(0);
    expect(await nameError.count()).toBe(0);
  });

  it('Suppressions: an address listed already is refused, and the refusal goes once the form is edited', async () => {
    const { page } = s;
    await api('POST', '/suppressions', { address: 'gone@example.net' });
    await page.goto('/suppressions');
    const form = page.getByRole('form', { name: 'Suppress an address' });
    const address = form.getByLabel('Address', { exact: true });
    await address.fill('gone@example.net');
    await form.getByRole('button', { name: 'Suppress' }).click();
    // Said at the Address field, which it is about (once: no banner under the form repeats it).
    const refusal = form.locator('#supp-address-error');
    await expect.poll(async () => ((await refusal.count()) ? refusal.innerText() : '')).toContain('is on the suppression list already');
    expect(await form.getByRole('alert').count()).toBe(0);
    expect(await address.getAttribute('aria-invalid')).toBe('true');
    // What was typed stays, to correct.
    expect(await address.inputValue()).toBe('gone@example.net');
    await screenshot(page, 'follow-edits-02-suppression-refused');

    await address.fill('gone@example.org');
    await expect.poll(() => refusal.count()).toBe(0);
    expect(await address.getAttribute('aria-invalid')).toBeNull();
  });

  it('Webhooks: a refused URL is shown at the field until the form is edited', async () => {
    const { page } = s;
    await page.goto('/webhooks');
    const form = page.getByRole('form', { name: 'Add an endpoint' });
    const url = form.getByLabel('URL');
    await url.fill('http://169.254.169.254/latest/meta-data/');
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    await form.locator('.field-error').getByText(/169\.254\.169\.254 \(metadata\): webhooks may not be sent there/).waitFor();
    expect(await url.getAttribute('aria-invalid')).toBe('true');

    await url.fill('https://hooks.example.com/mailroom');
    await expect.poll(() => form.locator('.field-error').count()).toBe(0);
    expect(await form.getByRole('alert').count()).toBe(0);
    expect(await url.getAttribute('aria-invalid')).toBeNull();
    await screenshot(page, 'follow-edits-03-webhook-url-edited');
  });

  it('Rules: the dry run says in words why a rule would send nothing, without the error code', async () => {
    const { page } = s;
    await api('PUT', '/templates/needs_user', {
      name: 'Needs a user',
      layout: 'default',
      sampleData: { user: { name: 'Rita' } },
      locales: { en: { subject: 'Hello {{ user.name }}', html: '<p>Hello {{ user.name }}</p>', text: null } },
    });
    await page.goto('/rules/new');
    await page.getByLabel('Name').fill('Greets the user');
    await page.getByLabel('Event types').fill('user.created');
    await page.getByLabel('Fixed addresses').fill('audit@example.com');
    await page.getByLabel('Template', { exact: true }).selectOption('needs_user');
    // The event carries no user: the template cannot render.
    await page.getByLabel('Event (JSON)').fill(JSON.stringify({ type: 'user.created', id: 'u-1', data: {} }));
    await page.getByRole('button', { name: 'Run dry run' }).click();
    const result = page.getByTestId('dry-run-result');
    const skipped = result.locator('.alert-error');
    await expect.poll(() => skipped.count()).toBe(1);
    const words = await skipped.innerText();
    expect(words).toContain('Greets the user would send nothing:');
    expect(words).toMatch(/user/);
    expect(words).not.toMatch(/MAILROOM_E_|TEMPLATE_RENDER/);
    // The template's field as its editor labels it, not the API's path (locales.en.subject).
    expect(words).not.toContain('locales.');
    expect(words).toMatch(/the template’s (Subject|HTML|Text) \(en\)/);
    expect(await skipped.locator('code').count()).toBe(0);
    await screenshot(page, 'follow-edits-04-dry-run-in-words');
  });
});
