import type { FastifyInstance } from 'fastify';
import { invalid } from '../core/kernel/errors.js';
import { hasControlChars, shown } from '../core/kernel/header-safety.js';

/**
 * Query parameters are searches, filters and cursors: a control character in one (`?q=%00`) is
 * never meant, and the databases disagree about it (PostgreSQL refuses a NUL in text, SQLite
 * matches nothing). Every route refuses it alike, naming the parameter, before anything reads it.
 */
export function registerQueryTextCheck(server: FastifyInstance): void {
  server.addHook('preValidation', async (req) => {
    const query = req.query as Record<string, unknown> | undefined;
    if (!query || typeof query !== 'object') return;
    for (const [name, value] of Object.entries(query)) {
      const values = Array.isArray(value) ? value : [value];
      if (values.some((v) => typeof v === 'string' && hasControlChars(v))) throw invalid(shown(name), 'must not contain control characters (a NUL, a line break, a tab)');
    }
  });
}
