import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, startSink, type AdminSession, type Sink } from './harness.js';

/**
 * Rules, events, the contact auto-reply and report pages in Chromium against a real Mailroom
 * and a real SMTP peer: create a rule with a condition, dry-run it, raise the event with curl,
 * see the mail arrive and find it in the log linked to the event. Screenshots: rules-*.png.
 */
// Asynchronously: Mailroom answers curl from this very process, so a blocking call would wait for itself.
const curl = async (args: string[]) => (await promisify(execFile)('curl', args, { encoding: 'utf8' })).stdout;

// Screenshots are taken only where docs/ui.md names them: each full-page one renders and encodes
// the whole page (0.1 to 0.4 s), and the others were named nowhere.
describe.runIf(chromiumAvailable())('notification rules in the admin UI', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let sink: Sink;

  beforeAll(async () => {
    sink = await startSink();
    s = await openAdminSession('sqlite');
    const post = async (url: string, payload: object) => {
      const res = await s.live.t.request({ method: 'POST', url: `/api/v1${url}`, payload });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string };
    };
    const server = await post('/servers', { name: 'peer', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    await post('/accounts', { serverId: server.id, address: 'access@acme.example', fromName: 'Acme Access' });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  const event = {
    type: 'access.request.created',
    id: 'ar-77:created',
    data: { company: 'Acme', requester: { name: 'Rita Requester', email: 'rita@acme.example' }, resource: { name: 'Payroll share' }, reason: 'Quarter close', review_url: 'https://app.example.com/ar/77' },
    recipients: { approver: ['Abe Approver <abe@acme.example>'] },
  };

  it('creates a rule with a condition, dry-runs it, and the event raised with curl ends in the log linked to the event', async () => {
    const { page } = s;
    await page.getByRole('link', { name: 'Rules', exact: true }).click();
    await page.getByText('No rule yet').waitFor();
    await page.getByRole('link', { name: 'New rule' }).click();
    await page.getByLabel('Name').fill('Acme approvers');
    await page.getByLabel('Event types').fill('access.request.*');
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Condition 1 field').fill('data.company');
    await page.getByLabel('Condition 1 value').fill('Acme');
    await page.getByLabel('Roles').fill('approver');
    await page.getByLabel('Template', { exact: true }).selectOption('access_request');
    await page.getByTestId('template-pick-preview').getByText('Carla Contractor requests access').waitFor();

    // The dry run of the unsaved rule: the pasted event matches, the mail is rendered.
    await page.getByLabel('Event (JSON)').fill(JSON.stringify(event, null, 2));
    await page.getByRole('button', { name: 'Run dry run' }).click();
    await page.getByTestId('dry-run-subject').getByText('Rita Requester requests access to Payroll share').waitFor();
    await page.getByTestId('dry-run-result').getByText('To Abe Approver <abe@acme.example> from Acme Access <access@acme.example>').waitFor();
    // Another company: no match, with the reason.
    await page.getByLabel('Event (JSON)').fill(JSON.stringify({ ...event, data: { ...event.data, company: 'Globex' } }));
    await page.getByRole('button', { name: 'Run dry run' }).click();
    await page.getByText('condition not met: data.company = "Acme"').waitFor();
    expect(sink.messages).toHaveLength(0);

    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByRole('heading', { name: 'Acme approvers' }).waitFor();
    await page.getByRole('link', { name: 'All rules' }).click();
    await page.getByRole('row', { name: /Acme approvers/ }).getByText('data.company = "Acme"').waitFor();

    // The application raises the event with curl.
    const out = await curl(['-s', '-H', `Authorization: Bearer ${s.live.t.adminKey}`, '-H', 'content-type: application/json', '-d', JSON.stringify(event), `${s.live.baseUrl}/api/v1/events`]);
    const answer = JSON.parse(out) as { id: string; matches: { messageIds: string[] }[] };
    expect(answer.id).toBe(event.id);
    expect(answer.matches[0].messageIds).toHaveLength(1);
    await expect.poll(() => sink.messages.length, { timeout: 20_000 }).toBe(1);
    expect(sink.messages[0]).toMatchObject({ from: 'access@acme.example', to: ['abe@acme.example'], subject: 'Rita Requester requests access to Payroll share' });

    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.getByRole('link', { name: event.id }).click();
    await page.getByRole('heading', { name: 'access.request.created' }).waitFor();
    await page.getByRole('link', { name: 'Acme approvers' }).waitFor();
    await page.getByRole('row', { name: /abe@acme\.example/ }).getByText('sent').waitFor({ timeout: 20_000 });
    await page.getByRole('link', { name: 'Rita Requester requests access to Payroll share' }).click();
    await page.getByTestId('message-event').getByRole('link', { name: event.id }).waitFor();
    await page.getByText('by a notification rule').waitFor();
    await page.getByTestId('message-event').getByRole('link', { name: event.id }).click();
    await page.getByRole('heading', { name: 'access.request.created' }).waitFor();
    expect(s.errors).toEqual([]);
  });

  it('dry-runs a saved rule against a recent event picked from the list', async () => {
    const { page } = s;
    await page.getByRole('link', { name: 'Rules', exact: true }).click();
    await page.getByRole('row', { name: /Acme approvers/ }).getByRole('link', { name: 'Acme approvers' }).click();
    await page.getByRole('heading', { name: 'Acme approvers' }).waitFor();
    // The event raised with curl in the test above is offered; picking it fills the JSON.
    await page.getByLabel('Start from a recent event').selectOption({ label: `access.request.created · ${event.id}` });
    await expect.poll(() => page.getByLabel('Event (JSON)').inputValue()).toContain('Payroll share');
    const sent = sink.messages.length;
    const logged = async () => ((await s.live.t.request({ method: 'GET', url: '/api/v1/messages' })).json() as { items: { id: string }[] }).items.map((m) => m.id);
    const before = await logged();
    await page.getByRole('button', { name: 'Run dry run' }).click();
    await page.getByTestId('dry-run-subject').getByText('Rita Requester requests access to Payroll share').waitFor();
    await page.getByTestId('dry-run-result').getByText('To Abe Approver <abe@acme.example> from Acme Access <access@acme.example>').waitFor();
    expect(await page.getByTestId('dry-run-suppressed').count()).toBe(0);

    // The approver on the suppression list: the dry run says in words that the event would send
    // this message to nobody (it used to list it as one it would send).
    const listed = await s.live.t.request({ method: 'POST', url: '/api/v1/suppressions', payload: { address: 'abe@acme.example', detail: 'left the company' } });
    expect(listed.statusCode, listed.body).toBe(201);
    await page.getByRole('button', { name: 'Run dry run' }).click();
    await page
      .getByTestId('dry-run-suppressed')
      .getByText('Would not be sent: the recipient is on the suppression list (abe@acme.example is suppressed (manual: left the company)). The event would keep this message as suppressed and send it to nobody.')
      .waitFor();
    await page.getByTestId('dry-run-result').getByText('1 message, 1 not sent (suppression list)').waitFor();
    await screenshot(page, 'rules-04c-dry-run-suppressed');
    expect((await s.live.t.request({ method: 'DELETE', url: '/api/v1/suppressions/abe%40acme.example' })).statusCode).toBe(204);

    // A dry run sends nothing: it made no message (so none can reach the peer later either),
    // where half a second's wait for the peer used to stand.
    expect(await logged()).toEqual(before);
    expect(sink.messages.length).toBe(sent);
    expect(s.errors).toEqual([]);
  });

  // Before the next test adds a rule for every event (*).
  it('an event no rule matched says so on its page, with where rules are made, instead of an empty Messages card', async () => {
    const { page } = s;
    const res = await s.live.t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 'invoice.paid', id: 'inv-9', data: { total: 12 } } });
    // 202: taken, nothing to send.
    expect(res.statusCode, res.body).toBe(202);
    await page.goto('/events/inv-9');
    await page.getByRole('heading', { name: 'invoice.paid' }).waitFor();
    const messages = page.getByRole('region', { name: 'Messages' });
    await messages.getByText('No message was made from this event: no rule matched it.').waitFor();
    expect(await messages.getByRole('table').count()).toBe(0);
    await messages.getByRole('link', { name: 'Rules' }).click();
    await page.waitForURL('**/rules');
    // The next test opens Rules from the menu and must find the page loading afresh.
    await page.goto('/messages');
    expect(s.errors).toEqual([]);
  });

  it('moves rules up and down', async () => {
    const { page } = s;
    const res = await s.live.t.request({ method: 'POST', url: '/api/v1/rules', payload: { name: 'Everything to audit', events: ['*'], recipients: { addresses: ['audit@acme.example'] }, template: 'alert' } });
    expect(res.statusCode).toBe(201);
    await page.getByRole('link', { name: 'Rules', exact: true }).click();
    const names = () => page.locator('tbody tr td:nth-child(2) a').allTextContents();
    await expect.poll(names).toEqual(['Acme approvers', 'Everything to audit']);
    await page.getByRole('button', { name: 'Move Everything to audit up' }).click();
    await expect.poll(names).toEqual(['Everything to audit', 'Acme approvers']);
  });

  it('contact auto-reply and reports: switch on, save, send a report test to me', async () => {
    const { page } = s;
    await page.getByRole('link', { name: 'Contact auto-reply' }).click();
    await page.getByLabel('Answer contact form submissions').check();
    await page.getByLabel('Subject').fill('Thanks, {name}: {subject}');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    const before = sink.messages.length;
    await curl(['-s', '-H', `Authorization: Bearer ${s.live.t.adminKey}`, '-H', 'content-type: application/json', '-d', JSON.stringify({ type: 'contact.submitted', data: { name: 'Ann {{ 7*7 }}', email: 'ann@example.net', subject: 'Pricing' } }), `${s.live.baseUrl}/api/v1/events`]);
    await expect.poll(() => sink.messages.length, { timeout: 20_000 }).toBe(before + 1);
    expect(sink.messages.at(-1)).toMatchObject({ to: ['ann@example.net'], subject: 'Thanks, Ann {{ 7*7 }}: Pricing' });

    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    await page.getByLabel('Send report mail').check();
    await page.getByLabel('Use the default sender (the report purpose’s account)').uncheck();
    await page.getByLabel('Account', { exact: true }).selectOption({ label: 'access@acme.example' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByRole('button', { name: 'Send a test email to me' }).click();
    await page.getByText(/Test email to admin@example\.com queued/).waitFor();
    await expect.poll(() => sink.messages.some((m) => m.to[0] === 'admin@example.com' && m.subject === 'Report ready: Weekly security summary'), { timeout: 20_000 }).toBe(true);

    // An individual report with its own account, kept by the settings.
    await page.getByRole('button', { name: 'Add a report' }).click();
    await page.getByLabel('Report 1', { exact: true }).fill('weekly-security');
    await page.getByLabel('Report 1 account').selectOption({ label: 'access@acme.example' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    const saved = (await s.live.t.request({ method: 'GET', url: '/api/v1/settings' })).json().reports.value;
    expect(saved.overrides).toEqual([{ report: 'weekly-security', serverId: null, accountId: expect.stringMatching(/^acc_/) }]);
    await page.reload();
    await expect.poll(() => page.getByLabel('Report 1', { exact: true }).inputValue()).toBe('weekly-security');
    expect(s.errors).toEqual([]);
  });

  it('reports: a refusal is shown at its field in words and goes once edited; "Saved." holds until the next change; the test waits for a save', async () => {
    const { page } = s;
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    await expect.poll(() => page.getByLabel('Report 1', { exact: true }).inputValue()).toBe('weekly-security');
    await page.getByRole('button', { name: 'Add a report' }).click();
    await page.getByLabel('Report 2', { exact: true }).fill('Weekly-Security');
    await page.getByLabel('Report 2 account').selectOption({ label: 'access@acme.example' });
    // Unsaved changes: the test would send the saved settings, so it waits for a save and says why.
    expect(await page.getByRole('button', { name: 'Send a test email to me' }).isDisabled()).toBe(true);
    await page.getByText('Save first: the test sends the saved settings.').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    const report2 = page.getByLabel('Report 2', { exact: true });
    await page.locator('#rep-ovr-1-report-err').getByText('names Weekly-Security a second time').waitFor();
    expect(await report2.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => report2.evaluate((el) => el === document.activeElement)).toBe(true);
    // Said once, at the field, without the API's field path.
    expect(await page.getByText('reports.overrides').count()).toBe(0);
    expect(await page.getByText('Not saved').count()).toBe(0);
    await report2.fill('monthly-finance');
    await expect.poll(() => page.locator('#rep-ovr-1-report-err').count()).toBe(0);
    expect(await report2.getAttribute('aria-invalid')).toBeNull();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Send a test email to me' }).isDisabled()).toBe(false);
    // Typing again: what the page shows is no longer what was saved.
    await page.getByLabel('Subject').fill('Report: {name}');
    expect(await page.getByText('Saved.', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Send a test email to me' }).isDisabled()).toBe(true);
    expect(s.errors).toEqual([]);
  });

  it('contact auto-reply: "Saved." holds until the next change', async () => {
    const { page } = s;
    await page.getByRole('link', { name: 'Contact auto-reply' }).click();
    // The test before left a subject typed on Reports and not saved: leaving asks first.
    await page.getByRole('dialog', { name: 'Leave without saving?' }).getByRole('button', { name: 'Discard changes and leave' }).click();
    await page.getByLabel('Subject').fill('Thanks, {name}');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    await page.getByLabel('Subject').fill('Thanks again, {name}');
    expect(await page.getByText('Saved.', { exact: true }).count()).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('the rules page: a table wider than the window scrolls in its own box, the page itself does not scroll sideways', async () => {
    const { page } = s;
    const res = await s.live.t.request({ method: 'POST', url: '/api/v1/rules', payload: {
        name: 'Status changes to the requester',
        events: ['access.request.status_changed', 'access.request.admin_status_changed'],
        conditions: [{ path: 'data.alert.host.name', op: 'matches', value: '^(db|web)-[0-9]+$' }],
        recipients: { roles: ['requester'], addresses: ['audit-and-compliance@acme.example'] },
        template: 'access_request',
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/rules');
    await page.getByRole('link', { name: 'Status changes to the requester' }).waitFor();
    const [tableWidth, boxWidth] = await page.locator('.table-wrap').first().evaluate((e) => [e.scrollWidth, e.clientWidth]);
    expect(tableWidth).toBeGreaterThan(boxWidth);
    // The visually hidden "Actions" header was positioned against the page, past the scrolling table's edge.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
  });

  it('an event whose rule pattern could not decide: the event page says the rule did not match and why, not that it sent nothing', async () => {
    const { page } = s;
    const post = async (url: string, payload: object, status: number) => {
      const res = await s.live.t.request({ method: 'POST', url: `/api/v1${url}`, payload });
      expect(res.statusCode, res.body).toBe(status);
    };
    // Alone: the earlier tests' catch-all rule would match this event too.
    for (const r of (await s.live.t.request({ method: 'GET', url: '/api/v1/rules' })).json().items as { id: string }[]) {
      expect((await s.live.t.request({ method: 'DELETE', url: `/api/v1/rules/${r.id}` })).statusCode).toBe(204);
    }
    await post('/rules', { name: 'Hosts by pattern', events: ['host.checked'], conditions: [{ path: 'data.host', op: 'matches', value: '^(a+)+$' }], recipients: { addresses: ['noc@example.com'] }, template: 'test' }, 201);
    await post('/events', { type: 'host.checked', id: 'slow-host-1', data: { host: `${'a'.repeat(5_000)}!` } }, 202);
    await page.goto('/events/slow-host-1');
    await page.getByText(/did not match: the pattern could not decide: condition not met: data\.host matches/).waitFor();
    expect(await page.getByText(/sent nothing/).count()).toBe(0);
    await page.getByText('No message was made from this event: no rule matched it.').waitFor();
    expect(s.errors).toEqual([]);
  });
});
