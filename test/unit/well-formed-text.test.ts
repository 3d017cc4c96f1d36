import { describe, expect, it } from 'vitest';
import { str, optStr } from '../../src/core/kernel/validate.js';
import { templateData } from '../../src/core/templates/templates.js';

const refused = (field: string) => expect.objectContaining({ code: 'MAILROOM_E_VALIDATION', details: { field } });

/**
 * A lone UTF-16 surrogate cannot be written as UTF-8: the database, the JSON answer and the mail
 * would each carry a replacement character instead. It is refused where it comes in.
 */
describe('lone surrogates', () => {
  it('are refused in any string field, naming it', () => {
    for (const v of ['\ud800', 'a\udfffb', 'x\ud83d', '\ude00y']) {
      expect(() => str('subject', v), JSON.stringify(v)).toThrowError(refused('subject'));
      expect(() => optStr('name', v), JSON.stringify(v)).toThrowError(refused('name'));
    }
    expect(() => str('subject', '\ud800')).toThrowError(/surrogate/);
  });

  it('are no problem as a pair (an emoji), nor is any other Unicode', () => {
    expect(str('subject', 'Hi 😀 – ü ✓')).toBe('Hi 😀 – ü ✓');
  });

  it('are refused in template data, values and keys, naming where', () => {
    expect(() => templateData('data', { user: { name: 'a\ud800' } })).toThrowError(refused('data.user.name'));
    expect(() => templateData('data', { list: ['ok', '\udc00'] })).toThrowError(refused('data.list[1]'));
    expect(() => templateData('data', { ['k\ud800']: 1 })).toThrowError(refused('data'));
    expect(templateData('data', { user: { name: 'Ann 😀' } })).toEqual({ user: { name: 'Ann 😀' } });
  });
});
