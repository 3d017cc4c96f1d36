import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { chromiumAvailable, openAdminSession, screenshot, type AdminSession } from './harness.js';

/**
 * Routing: a purpose without an expiry of its own shows an empty *Expires after*. Its placeholder
 * was "server default", cut to "server de" in the card at 1280 px, and nothing said what the
 * default is. The placeholder fits at laptop and phone widths, and the field is described by a
 * hint saying what an empty field means.
 */
await describeEachDialect('Routing: an empty expiry says what it means', (dialect) => {
  describe.runIf(chromiumAvailable())('in Chromium', { timeout: 90_000 }, () => {
    let s: AdminSession;

    beforeAll(async () => {
      s = await openAdminSession(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    }, 120_000);
    afterAll(async () => s?.close());

    it('fits the placeholder in the field at 1280 and 390 px and describes the empty field', async () => {
      const { page } = s;
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto('/routing');
        const expire = page.locator('#purpose-report-expire');
        await expire.waitFor();
        expect(await expire.inputValue()).toBe('');
        // The text's width in the field's own font against the room the field has for text
        // (less the number input's spin buttons, which take room once the field is hovered or focused).
        const fits = (el: HTMLInputElement, which: string) => {
          const style = getComputedStyle(el);
          const ctx = document.createElement('canvas').getContext('2d')!;
          ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
          const shown = which === 'placeholder' ? el.placeholder : el.value;
          const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 16;
          return { text: shown, width: ctx.measureText(shown).width, room };
        };
        const placeholder = await expire.evaluate(fits, 'placeholder');
        expect(placeholder.width, `"${placeholder.text}" at ${width} px`).toBeLessThanOrEqual(placeholder.room);
        // A set expiry is read whole too: two_factor's 10 minutes, not "1".
        const tenMinutes = await page.locator('#purpose-two_factor-expire').evaluate(fits, 'value');
        expect(tenMinutes.text).toBe('10');
        expect(tenMinutes.width, `"10" at ${width} px`).toBeLessThanOrEqual(tenMinutes.room);
        const described = (await expire.getAttribute('aria-describedby')) ?? '';
        expect(described).not.toBe('');
        const hint = await page.locator(`[id="${described}"]`).innerText();
        expect(hint).toContain("empty: the server's retry policy decides");
        await screenshot(page, `routing-expiry-default-${width}-${dialect}`);
      }
      expect(s.errors).toEqual([]);
    });
  });
});
