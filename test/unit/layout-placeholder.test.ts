import { describe, expect, it } from 'vitest';
import { normalizeLayout, placesContent } from '../../src/core/templates/templates.js';

/** A layout must place the body where LiquidJS substitutes it, or every message would lose its body. */
describe('a layout’s {{ content }}', () => {
  const layout = (html: string, text: string | null = null) => normalizeLayout({ name: 'L', html, text });

  it('is accepted in every form the engine substitutes', () => {
    for (const form of ['{{ content }}', '{{content}}', '{{- content -}}', '{{content-}}', '{{ content\n}}', '{{ content | raw }}', '{% echo content %}', '{%- echo content -%}', '{% liquid\n  echo content\n%}']) {
      expect(layout(`<main>${form}</main>`, `-- ${form} --`), form).toMatchObject({ html: `<main>${form}</main>` });
    }
  });

  it('is refused when the word only appears outside a Liquid tag, or where the engine does not output it', () => {
    for (const html of [
      '<meta name="viewport" content="width=device-width"><p>no body</p>',
      '<p>content</p>',
      '<p>{{ contents }}</p>',
      '<p>{{ content_html }}</p>',
      '<p>{{ "content" }}</p>',
      '<p>{% raw %}{{ content }}{% endraw %}</p>',
      '<p>{%- raw -%}{{ content }}{%- endraw -%}</p>',
      '<p>{% comment %}{{ content }}{% endcomment %}</p>',
      '<p>{% # {{ content }} %}</p>',
      '<p>{ content }</p>',
    ]) {
      expect(() => layout(html), html).toThrowError(expect.objectContaining({ code: 'MAILROOM_E_VALIDATION', details: { field: 'html' } }));
    }
  });

  it('is required in the text layout too, when there is one', () => {
    expect(layout('{{ content }}', null).text).toBeNull();
    expect(() => layout('{{ content }}', 'Regards, the content team')).toThrowError(expect.objectContaining({ details: { field: 'text' } }));
    expect(() => layout('{{ content }}', '{% comment %}{{ content }}{% endcomment %}')).toThrowError(expect.objectContaining({ details: { field: 'text' } }));
  });

  it('is checked on a change too: a patch keeps the stored html, a new text must carry it', () => {
    const prev = { name: 'L', html: '<main>{{ content }}</main>', text: '{{ content }}' };
    expect(normalizeLayout({ name: 'M' }, prev)).toEqual({ ...prev, name: 'M' });
    expect(() => normalizeLayout({ text: 'no body' }, prev)).toThrowError(expect.objectContaining({ details: { field: 'text' } }));
  });

  it('reads a source of the largest size in one pass, whatever tags it repeats', () => {
    // Each of these repeated to 512 KiB once took a rescan per tag (minutes for `{%#`).
    for (const unit of ['{%#', '{% raw %}', '{% comment %}', '{% liquid ', '{{ conten', '{%', '{{']) {
      const source = unit.repeat(Math.floor((512 * 1024 - 20) / unit.length));
      expect(placesContent(source), unit).toBe(false);
      expect(placesContent(`{{ content }}${source}`), unit).toBe(true);
    }
  });
});
