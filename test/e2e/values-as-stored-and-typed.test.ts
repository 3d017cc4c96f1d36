import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, signedInPageAt, type AdminSession } from './harness.js';

/**
 * What the forms keep and say about values:
 * - a rule's conditions go back exactly as stored when nobody touched them ("Acme, Inc" in a list,
 *   the number 5, null), and the editor can say each value the API takes (a list item per box, a
 *   kind per value: text, number, true, false, null);
 * - the dry run's sample event follows the rule form (event type, roles) until it is edited by hand;
 * - a purpose card's expiry is readable whole in its box, and below the API's minimum or a fraction
 *   of a second it is refused in the unit on screen, the number left as typed;
 * - a locale tag is spelt as the API stores it (zh-Hant) and a second spelling of it is refused;
 * - an empty settings number says it is required, never "it is 0";
 * - deleting a purpose one template uses says "give it", not "give them".
 */
describe.runIf(chromiumAvailable())('Values kept as stored, said as typed', { timeout: 120_000 }, () => {
  let s: AdminSession;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  }, 120_000);
  afterAll(async () => s?.close());

  /** A page of its own for a test that leaves unsaved work behind: closing it asks nothing of the next test. */
  const inOwnPage = async (fn: (page: Page) => Promise<void>) => {
    const own = await signedInPageAt(s, { width: 1366, height: 900 });
    try {
      await fn(own.page);
      expect(own.errors).toEqual([]);
    } finally {
      await own.context.close();
    }
  };

  const storedConditions = [
    { path: 'data.company', op: 'in', value: ['Acme, Inc', 'Globex'] },
    { path: 'data.count', op: 'eq', value: 5 },
    { path: 'data.flag', op: 'eq', value: null },
    { path: 'data.vip', op: 'neq', value: true },
    { path: 'data.code', op: 'eq', value: '5' },
    { path: 'data.note', op: 'exists', value: false },
    { path: 'data.mixed', op: 'in', value: [1.5, 'x', false, null] },
  ];

  it('saves a rule whose conditions were not touched exactly as stored, types included', async () => {
    const { page } = s;
    const created = await api('POST', '/rules', { name: 'Typed values', events: ['order.shipped'], conditions: storedConditions, recipients: { addresses: ['audit@example.com'] }, template: 'access_request' });
    const before = (await api('GET', `/rules/${created.id}`)).conditions;
    expect(before).toEqual(storedConditions);

    await page.goto(`/rules/${created.id}`);
    await page.getByLabel('Condition 1 value 1').waitFor();
    // A list item holding a comma is one item in a box of its own.
    expect(await page.getByLabel('Condition 1 value 1').inputValue()).toBe('Acme, Inc');
    expect(await page.getByLabel('Condition 1 value 2').inputValue()).toBe('Globex');
    expect(await page.getByLabel('Condition 2 kind of value').inputValue()).toBe('number');
    expect(await page.getByLabel('Condition 2 value').inputValue()).toBe('5');
    expect(await page.getByLabel('Condition 3 kind of value').inputValue()).toBe('null');
    expect(await page.getByLabel('Condition 3 value').count()).toBe(0);
    expect(await page.getByLabel('Condition 4 kind of value').inputValue()).toBe('true');
    expect(await page.getByLabel('Condition 5 kind of value').inputValue()).toBe('text');
    expect(await page.getByLabel('Condition 6 value').inputValue()).toBe('absent');
    expect(await page.getByLabel('Condition 7 kind of value 1').inputValue()).toBe('number');
    expect(await page.getByLabel('Condition 7 kind of value 3').inputValue()).toBe('false');
    await screenshot(page, 'rule-condition-values');

    await page.getByLabel('Name', { exact: true }).fill('Typed values, renamed');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Saved.').waitFor();
    const after = (await api('GET', `/rules/${created.id}`)) as unknown as { name: string; conditions: unknown };
    expect(after.name).toBe('Typed values, renamed');
    expect(JSON.stringify(after.conditions)).toBe(JSON.stringify(before));

    // Editing says every value the API takes: a third item with a comma, "true" as text, 6 as a number.
    await page.getByRole('button', { name: 'Add a value to condition 1' }).click();
    await page.getByLabel('Condition 1 value 3').fill('Initech, LLC');
    await page.getByLabel('Condition 4 kind of value').selectOption('text');
    await page.getByLabel('Condition 4 value').fill('true');
    await page.getByLabel('Condition 2 value').fill('6');
    await page.getByRole('button', { name: 'Remove value 2 of condition 7' }).click();
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Saved.').waitFor();
    const edited = (await api('GET', `/rules/${created.id}`)).conditions as { value: unknown }[];
    expect(edited[0].value).toEqual(['Acme, Inc', 'Globex', 'Initech, LLC']);
    expect(edited[1].value).toBe(6);
    expect(edited[2].value).toBeNull();
    expect(edited[3].value).toBe('true');
    expect(edited[6].value).toEqual([1.5, false, null]);

    // A number box holding no number is refused at its row, in words, before anything is sent.
    await page.getByLabel('Condition 2 value').fill('6 apples');
    await page.getByRole('button', { name: 'Save rule' }).click();
    const error = page.locator('#rule-cond-1-err');
    await expect.poll(() => error.innerText()).toContain('"6 apples" is not a number');
    expect(await page.getByLabel('Condition 2 value').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Condition 2 value').getAttribute('aria-describedby')).toContain('rule-cond-1-err');
    expect(await page.getByText('conditions[1]').count()).toBe(0);
    expect(((await api('GET', `/rules/${created.id}`)).conditions as { value: unknown }[])[1].value).toBe(6);
    // As text, "6 apples" is a value the API takes: the refusal goes though what would be sent is the same text.
    await page.getByLabel('Condition 2 kind of value').selectOption('text');
    await expect.poll(() => error.count()).toBe(0);
    await page.getByLabel('Condition 2 kind of value').selectOption('number');
    await page.getByLabel('Condition 2 value').fill('6');
    await expect.poll(() => error.count()).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('the dry run’s sample event follows the form until it is edited by hand', async () => {
    await inOwnPage(async (page) => {
      await page.goto('/rules/new');
      const sample = page.getByLabel('Event (JSON)');
      await sample.waitFor();
      await page.getByLabel('Event types').fill('order.shipped');
      await page.getByLabel('Roles').fill('customer');
      await expect.poll(async () => JSON.parse(await sample.inputValue())).toMatchObject({ type: 'order.shipped', recipients: { customer: ['customer@example.com'] } });
      await page.getByLabel('Name', { exact: true }).fill('Shipped');
      await page.getByLabel('Template', { exact: true }).selectOption('access_request');
      await page.getByRole('button', { name: 'Run dry run' }).click();
      await expect.poll(() => page.getByTestId('dry-run-result').innerText()).toContain('matches');

      // Typed by hand, the event is the admin's: the form no longer rewrites it.
      const own = JSON.stringify({ type: 'order.shipped', data: { id: 7 }, recipients: { customer: ['ann@example.com'] } });
      await sample.fill(own);
      await page.getByLabel('Event types').fill('order.delivered');
      await page.getByLabel('Roles').fill('customer, courier');
      expect(await sample.inputValue()).toBe(own);
    });
    expect(s.errors).toEqual([]);
  });

  it('shows a purpose’s expiry whole at 1366, 1920 and 390 px', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto('/routing');
    const expire = page.locator('#purpose-report-expire');
    await expire.waitFor();
    await expire.fill('90');
    for (const width of [1366, 1920, 390]) {
      await page.setViewportSize({ width, height: 900 });
      // The text's width in the field's font against the room for text (less padding and the spin buttons).
      const fit = await expire.evaluate((el: HTMLInputElement) => {
        const style = getComputedStyle(el);
        const ctx = document.createElement('canvas').getContext('2d')!;
        ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 16;
        return { text: ctx.measureText(el.value).width, room, scroll: el.scrollWidth, client: el.clientWidth };
      });
      expect(fit.scroll, `scrollWidth at ${width} px`).toBeLessThanOrEqual(fit.client);
      expect(fit.text, `"90" at ${width} px`).toBeLessThanOrEqual(fit.room);
      await screenshot(page, `routing-expiry-width-${width}`);
    }
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.locator('[data-purpose="report"]').getByRole('button', { name: 'Undo' }).click();
    expect(s.errors).toEqual([]);
  });

  it('refuses an expiry below a minute or of a fraction of a second in the unit on screen, the number as typed', async () => {
    const { page } = s;
    await page.goto('/routing');
    const card = page.locator('[data-purpose="report"]');
    const expire = card.locator('#purpose-report-expire');
    await expire.waitFor();
    const hint = await page.locator(`[id="${(await expire.getAttribute('aria-describedby'))!.split(' ')[0]}"]`).innerText();
    expect(hint).toContain('1 minute to 30 days');
    await card.getByLabel('unit').selectOption({ label: 'seconds' });
    const error = card.locator('#purpose-report-expire-error');
    const saveSays = async (typed: string) => {
      await expire.fill(typed);
      await card.getByRole('button', { name: 'Save' }).click();
      await error.waitFor();
      // The box keeps what was typed: 0.5 is not turned into 1.
      expect(await expire.inputValue()).toBe(typed);
      expect(await expire.getAttribute('aria-invalid')).toBe('true');
      return error.innerText();
    };
    expect(await saveSays('0.5')).toContain('must be at least 60 seconds (1 minute): it is 0.5 seconds');
    expect(await saveSays('30')).toContain('must be at least 60 seconds (1 minute): it is 30 seconds');
    expect(await saveSays('60.5')).toContain('must be a whole number of seconds: it is 60.5 seconds');
    expect((await api('GET', '/purposes/report')).expireAfterSec).toBeNull();
    await card.getByLabel('unit').selectOption({ label: 'hours' });
    expect(await saveSays('0.01')).toContain('must be at least 1 minute: it is 0.01 hours');
    await screenshot(page, 'routing-expiry-minimum');
    await card.getByLabel('unit').selectOption({ label: 'minutes' });
    await expire.fill('1.5');
    await expect.poll(() => error.count()).toBe(0);
    await card.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await api('GET', '/purposes/report')).expireAfterSec).toBe(90);
    expect(s.errors).toEqual([]);
  });

  it('spells a locale as the API stores it and refuses it again in another case', async () => {
    await inOwnPage(async (page) => {
      await api('PUT', '/templates/greeting', { name: 'Greeting', locales: { en: { subject: 'Hello', html: '<p>Hello</p>' } } });
      await page.goto('/templates/greeting');
      const input = page.getByLabel('New locale');
      await input.fill('zh-hant');
      await page.getByRole('button', { name: 'Add locale' }).click();
      await page.getByRole('tab', { name: 'zh-Hant', exact: true, selected: true }).waitFor();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Saved as version 2.').waitFor();
      expect(Object.keys((await api('GET', '/templates/greeting')).locales as object).sort()).toEqual(['en', 'zh-Hant']);

      for (const again of ['zh-Hant', 'ZH-HANT']) {
        await input.fill(again);
        await page.getByRole('button', { name: 'Add locale' }).click();
        await expect.poll(() => page.locator('#tpl-new-locale-error').innerText()).toContain('zh-Hant is there already');
        expect(await input.getAttribute('aria-invalid')).toBe('true');
        expect(await page.getByRole('tab').count()).toBe(2);
      }
      // Script title case, region upper case: as the API's localeTag spells it.
      await input.fill('SR-latn-rs');
      await page.getByRole('button', { name: 'Add locale' }).click();
      await page.getByRole('tab', { name: 'sr-Latn-RS', exact: true, selected: true }).waitFor();
    });
    expect(s.errors).toEqual([]);
  });

  it('says an empty settings number is required, never "it is 0"', async () => {
    await inOwnPage(async (page) => {
      await page.goto('/settings');
      const retention = page.getByRole('region', { name: 'Email log retention' });
      await retention.getByLabel('For a number of days').check();
      await retention.getByLabel('Days after the last change').fill('');
      await retention.getByRole('button', { name: 'Save retention' }).click();
      const daysError = retention.locator('#retention-days-error');
      await expect.poll(() => daysError.innerText()).toContain('is required');
      expect(await daysError.innerText()).not.toContain('it is 0');
      expect(await retention.getByLabel('Days after the last change').getAttribute('aria-invalid')).toBe('true');
      expect((await api('GET', '/settings')).retention).toMatchObject({ value: { days: null } });

      const bounces = page.getByRole('region', { name: 'Soft bounces' });
      await bounces.getByLabel('Within (days)').fill('');
      await bounces.getByRole('button', { name: 'Save soft bounces' }).click();
      const windowError = bounces.locator('#soft-bounces-window-error');
      await expect.poll(() => windowError.innerText()).toContain('is required');
      expect(await windowError.innerText()).not.toContain('it is 0');
      await bounces.getByLabel('Within (days)').fill('7');
      await expect.poll(() => windowError.count()).toBe(0);
    });
    expect(s.errors).toEqual([]);
  });

  it('says "give it another purpose" for the one template that uses a purpose, "them" for more', async () => {
    const { page } = s;
    await api('POST', '/purposes', { key: 'digest' });
    await api('PUT', '/templates/digest_weekly', { name: 'Weekly digest', purpose: 'digest', locales: { en: { subject: 'Digest', html: '<p>Digest</p>' } } });
    const tryDelete = async (p: Page) => {
      await p.goto('/routing');
      const card = p.locator('[data-purpose="digest"]');
      await card.getByRole('button', { name: 'Delete digest' }).click();
      await card.getByRole('button', { name: 'Yes, delete' }).click();
      const said = card.getByText('is used by');
      await said.waitFor();
      return said.innerText();
    };
    const one = await tryDelete(page);
    expect(one).toContain('give it another purpose');
    expect(one).not.toContain('give them');
    await api('PUT', '/templates/digest_daily', { name: 'Daily digest', purpose: 'digest', locales: { en: { subject: 'Digest', html: '<p>Digest</p>' } } });
    expect(await tryDelete(page)).toContain('give them another purpose');
    expect(s.errors).toEqual([]);
  });
});
