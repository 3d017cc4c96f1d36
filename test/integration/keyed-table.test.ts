import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Layout } from '../../src/core/templates/templates.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The statements every admin-edited table shares (src/store/repositories/keyed-table.ts), seen
 * through one of them (layouts: a key, a built-in flag an update must not change, seeding by
 * insert-if-missing) on both dialects.
 */
await describeEachDialect('keyed table', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  const layout = (key: string, over: Partial<Layout> = {}): Layout => ({
    key,
    name: `Layout ${key}`,
    html: '<main>{{ content }}</main>',
    text: '{{ content }}',
    builtIn: false,
    version: 1,
    createdAt: 1_000,
    updatedAt: 1_000,
    updatedBy: 'test',
    ...over,
  });

  it('inserts, reads back field for field, and lists in the table order', async () => {
    const layouts = t.app.ports.ctx.store.repos.layouts;
    await layouts.insert(layout('zz-keyed'));
    await layouts.insert(layout('aa-keyed'));
    expect(await layouts.get('zz-keyed')).toEqual(layout('zz-keyed'));
    expect(await layouts.get('no-such-layout')).toBeUndefined();
    const keys = (await layouts.list()).map((l) => l.key);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(expect.arrayContaining(['aa-keyed', 'zz-keyed']));
  });

  it('updates only at the expected version, and never the key, creation time or built-in flag', async () => {
    const layouts = t.app.ports.ctx.store.repos.layouts;
    await layouts.insert(layout('versioned'));
    const next = layout('versioned', { name: 'Renamed', version: 2, updatedAt: 2_000, createdAt: 9_999, builtIn: true });
    expect(await layouts.update(next, 1)).toBe(true);
    expect(await layouts.get('versioned')).toEqual({ ...next, createdAt: 1_000, builtIn: false });
    // A writer that read version 1 comes second: refused, the row as the first writer left it.
    expect(await layouts.update(layout('versioned', { name: 'Stale', version: 2 }), 1)).toBe(false);
    expect((await layouts.get('versioned'))?.name).toBe('Renamed');
  });

  it('inserts if missing without touching a row that exists, and deletes by key', async () => {
    const layouts = t.app.ports.ctx.store.repos.layouts;
    expect(await layouts.insertIfMissing(layout('seeded'))).toBe(true);
    expect(await layouts.insertIfMissing(layout('seeded', { name: 'Second seed' }))).toBe(false);
    expect((await layouts.get('seeded'))?.name).toBe('Layout seeded');
    await layouts.delete('seeded');
    expect(await layouts.get('seeded')).toBeUndefined();
  });
});
