import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/templates/limits.js';
import { LiquidRenderer } from '../../src/templates/liquid-renderer.js';

/**
 * The HTML part escapes what it outputs exactly once: data in `{{ }}` is escaped, HTML the
 * template made itself (a capture's text, an `escape` filter's result) is written as it is, and
 * nothing the data holds is ever written unescaped.
 */
const renderer = new LiquidRenderer(DEFAULT_LIMITS);
const html = (source: string, scope: Record<string, unknown>) =>
  renderer.render({ locale: 'en', subject: { source: 'Hi' }, html: { source }, text: { source: 'x' }, layout: null, scope }).html;

describe('escaping in the HTML part', () => {
  const data = { user: { name: 'Tom & Jerry <b>' } };

  it('escapes data once', () => {
    expect(html('<p>{{ user.name }}</p>', data)).toBe('<p>Tom &amp; Jerry &lt;b&gt;</p>');
  });

  it("writes a capture's text as captured: its data escaped once, its tags as tags", () => {
    expect(html('{% capture greeting %}<b>Hello</b> {{ user.name }}{% endcapture %}<p>{{ greeting }}</p>', data)).toBe('<p><b>Hello</b> Tom &amp; Jerry &lt;b&gt;</p>');
  });

  it('does not escape the result of `escape` a second time', () => {
    expect(html('{{ user.name | escape }}|{{ user.name | escape_once }}|{{ user.name | xml_escape }}', data)).toBe(Array(3).fill('Tom &amp; Jerry &lt;b&gt;').join('|'));
  });

  it('escapes what a filter makes of a capture, and the data, as any other string', () => {
    // A new string: escaped again (twice, never not at all).
    expect(html('{% capture c %}<i>{{ user.name }}</i>{% endcapture %}{{ c | append: "!" }}', data)).toBe('&lt;i&gt;Tom &amp;amp; Jerry &amp;lt;b&amp;gt;&lt;/i&gt;!');
    // The same render's data is escaped although a capture holds other text.
    expect(html('{% capture c %}<i>x</i>{% endcapture %}{{ c }}{{ user.name }}', data)).toBe('<i>x</i>Tom &amp; Jerry &lt;b&gt;');
  });

  it('keeps what one render marked out of the next', () => {
    // The first render captures the data's own text as HTML; the next outputs that text as data.
    const tag = { user: { name: '<b>' } };
    expect(html('{% capture c %}{{ user.name | raw }}{% endcapture %}{{ c }}', tag)).toBe('<b>');
    expect(html('{{ user.name }}', tag)).toBe('&lt;b&gt;');
  });

  it('captures plain text unescaped in the text part', () => {
    const out = renderer.render({ locale: 'en', subject: { source: '{% capture s %}{{ user.name }}{% endcapture %}{{ s }}' }, html: null, text: { source: '{% capture t %}{{ user.name }}{% endcapture %}{{ t }}' }, layout: null, scope: data });
    expect(out.subject).toBe('Tom & Jerry <b>');
    expect(out.text).toBe('Tom & Jerry <b>');
  });
});
