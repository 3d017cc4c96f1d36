import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A user's clone is all they have: README.md, docs/, sdk/README.md and examples/README.md link only to files of the repository
 * (that exist) or to public https sites; never to a folder outside the repository.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pages = ['README.md', 'sdk/README.md', 'examples/README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('documentation links', () => {
  it.each(pages)('%s links inside the repository or to public sites only', (page) => {
    const text = readFileSync(path.join(root, page), 'utf8');
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    for (const link of links) {
      if (/^https:\/\//.test(link)) {
        expect(link, `${page}: ${link}`).not.toMatch(/^https:\/\/(localhost|127\.|10\.|192\.168\.)/);
        continue;
      }
      expect(link, `${page}: ${link} is neither https nor a relative link`).not.toMatch(/^[a-z]+:/i);
      const target = path.resolve(path.dirname(path.join(root, page)), link.split('#')[0]);
      expect(target.startsWith(root + path.sep), `${page}: ${link} leaves the repository`).toBe(true);
      expect(existsSync(target), `${page}: ${link} does not exist`).toBe(true);
    }
    expect(text, `${page} mentions the shared folder`).not.toMatch(/\.\.\/shared|shared\/API\.md|shared\/DESIGN\.md/);
  });
});
