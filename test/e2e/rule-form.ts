import type { Page } from 'playwright-core';

/** Opens a new rule's form and fills it: a name, event types, fixed addresses and the built-in access_request template. */
export async function fillNewRule(page: Page, rule: { name: string; events: string; addresses: string }): Promise<void> {
  await page.goto('/rules/new');
  await page.getByLabel('Name', { exact: true }).fill(rule.name);
  await page.getByLabel('Event types').fill(rule.events);
  await page.getByLabel('Fixed addresses').fill(rule.addresses);
  await page.getByLabel('Template', { exact: true }).selectOption('access_request');
}
