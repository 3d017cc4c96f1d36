import { convert, type HtmlToTextOptions } from 'html-to-text';

/**
 * Plain text from mail HTML, as a text-only reader should see it: paragraphs and lists kept,
 * links as "label [url]" (the URL once when it is the label), images and the hidden preheader
 * left out, the layout tables read as blocks rather than drawn as tables.
 */
const OPTIONS: HtmlToTextOptions = {
  wordwrap: 78,
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'table', format: 'block' },
    { selector: 'tr', format: 'block' },
    { selector: 'td', format: 'block' },
    { selector: 'th', format: 'block' },
    { selector: '.preheader', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'title', format: 'skip' },
  ],
};

export function textFromHtml(html: string): string {
  return convert(html, OPTIONS).trim();
}
