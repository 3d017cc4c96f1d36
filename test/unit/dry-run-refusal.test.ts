import { describe, expect, it } from 'vitest';
import { dryRunRefusalInWords, RULE_FIELD_LABELS } from '../../web/src/features/notify/dry-run-refusal.js';

/** A refused dry run of the rule form's draft names the form's field, never the API's `rule.` path. */
describe('dry run refusal in words', () => {
  it('names the rule form field by its label', () => {
    expect(dryRunRefusalInWords('rule.name', 'rule.name: must not be empty', RULE_FIELD_LABELS)).toBe('Name: must not be empty');
  });

  it('names an item of a list field by its number', () => {
    expect(dryRunRefusalInWords('rule.recipients.addresses.1', 'rule.recipients.addresses[1]: must be an email address', RULE_FIELD_LABELS)).toBe('Fixed addresses, number 2: must be an email address');
    expect(dryRunRefusalInWords('rule.conditions.0.value', 'rule.conditions[0].value: must be a string', RULE_FIELD_LABELS)).toBe('Conditions, number 1 › value: must be a string');
  });

  it('leaves a refusal of the event as the API said it', () => {
    expect(dryRunRefusalInWords('event.type', 'event.type: must not be empty', RULE_FIELD_LABELS)).toBe('event.type: must not be empty');
    expect(dryRunRefusalInWords(null, 'Too many requests', RULE_FIELD_LABELS)).toBe('Too many requests');
  });
});
