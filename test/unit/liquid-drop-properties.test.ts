import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/templates/limits.js';
import { LiquidRenderer, PartFailure } from '../../src/templates/liquid-renderer.js';

/**
 * LiquidJS's own objects (`forloop`, `tablerowloop`, `empty`, `blank`) follow the rule the data
 * follows: only their own names are visible. `constructor`, `__proto__`, `toString` and the other
 * names every object inherits are undefined (the usual error naming the variable), never an
 * internal message or "[object Object]".
 */
const renderer = new LiquidRenderer(DEFAULT_LIMITS);
const text = (source: string, scope: Record<string, unknown> = {}) =>
  renderer.render({ locale: 'en', subject: { source: 'Hi' }, html: null, text: { source }, layout: null, scope }).text;
const failure = (source: string, scope: Record<string, unknown> = {}) => {
  try {
    text(source, scope);
  } catch (err) {
    if (err instanceof PartFailure) return err.failure;
    throw err;
  }
  throw new Error(`rendered: ${source}`);
};

describe("LiquidJS's built-in objects: own properties only", () => {
  const loop = (expr: string) => `{% for x in list %}{{ ${expr} }}{% endfor %}`;
  const table = (expr: string) => `{% tablerow x in list %}{{ ${expr} }}{% endtablerow %}`;

  // After a literal (`empty`, `blank`) LiquidJS names what follows it: `constructor`, not `empty.constructor`.
  it.each([
    ['constructor', '{{ empty.constructor }}'],
    ['constructor', '{{ blank.constructor }}'],
    ['__proto__', '{{ empty.__proto__ }}'],
    ['toString', '{{ empty.toString }}'],
    ['forloop.toString', loop('forloop.toString')],
    ['forloop.__proto__', loop('forloop.__proto__')],
    ['forloop.hasOwnProperty', loop('forloop.hasOwnProperty')],
    ['forloop.constructor', loop('forloop.constructor')],
    ['forloop.valueOf', loop('forloop.valueOf')],
    ['forloop.isPrototypeOf', loop('forloop.isPrototypeOf')],
    ['tablerowloop.constructor', table('tablerowloop.constructor')],
    ['tablerowloop.__proto__', table('tablerowloop.__proto__')],
  ])('%s is an undefined variable (%s)', (variable, source) => {
    const f = failure(source, { list: [1] });
    expect(f).toMatchObject({ kind: 'render', variable, message: expect.stringContaining(`undefined variable: ${variable}`) });
    expect(f.message).not.toMatch(/Class constructor|without 'new'/);
  });

  it('bracket access is held to the same rule', () => {
    expect(failure('{% for x in list %}{{ forloop["constructor"] }}{% endfor %}', { list: [1] })).toMatchObject({ kind: 'render', message: expect.stringContaining('undefined variable') });
  });

  it("their own names still work: forloop's counters, tablerow's columns, empty and blank in comparisons", () => {
    expect(text(loop('forloop.index') + loop('forloop.index0') + loop('forloop.first') + loop('forloop.last') + loop('forloop.length') + loop('forloop.rindex'), { list: [1, 2] })).toBe('1201truefalsefalsetrue2221');
    expect(text(table('tablerowloop.col'), { list: [1, 2] })).toContain('<td class="col2">2</td>');
    expect(text('{% if list == empty %}E{% endif %}{% if s == blank %}B{% endif %}{% unless x == empty %}N{% endunless %}', { list: [], s: ' ', x: [1] })).toBe('EBN');
    // `if` stays lenient about them, as about any missing value.
    expect(text('{% for x in list %}{% if forloop.constructor %}yes{% else %}no{% endif %}{% endfor %}', { list: [1] })).toBe('no');
  });

  it("the data's own keys of those names stay visible (only inherited ones are hidden)", () => {
    expect(text('{{ d.constructor }}|{{ d.toString }}', { d: JSON.parse('{"constructor":"c","toString":"t"}') })).toBe('c|t');
    expect(failure('{{ d.constructor }}', { d: {} })).toMatchObject({ variable: 'd.constructor' });
  });
});
