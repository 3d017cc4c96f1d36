import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * What POST /events takes, as docs/events.md states it: `data` of at most 64 KiB and 20 levels,
 * refused past either with the field and the limit named. What GET /events gives back: the
 * event as raised, its roles as RFC 5322 text (as messages and rules show addresses).
 */
await describeEachDialect('events: the input as documented', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  const raise = (payload: object) => t.request({ method: 'POST', url: '/api/v1/events', payload });
  const refused = async (payload: object) => {
    const res = await raise(payload);
    expect(res.statusCode, res.body).toBe(400);
    return res.json().error as { code: string; message: string; details: Record<string, unknown> };
  };
  /** `{"s":"…"}` of exactly `bytes` bytes as JSON (UTF-8), made of `unit`s (1 or 2 bytes each) and ASCII. */
  const dataOf = (bytes: number, unit = 'x') => {
    const body = bytes - '{"s":""}'.length;
    const wide = Buffer.byteLength(unit);
    return { s: unit.repeat(Math.floor(body / wide)) + 'x'.repeat(body % wide) };
  };
  const nested = (levels: number): unknown => (levels === 0 ? 1 : { a: nested(levels - 1) });

  it('data: 64 KiB of JSON is taken, one byte more is refused naming data and the limit (bytes, not characters)', async () => {
    expect(Buffer.byteLength(JSON.stringify(dataOf(65_536)))).toBe(65_536);
    const at = await raise({ type: 'limits.size', id: 'size-at', data: dataOf(65_536) });
    expect(at.statusCode, at.body).toBe(202);
    const past = await refused({ type: 'limits.size', id: 'size-past', data: dataOf(65_537) });
    expect(past).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: 'data: is 65,537 bytes as JSON; the limit is 65,536 (64 KiB)', details: { field: 'data', maxBytes: 65_536 } });
    // 40,000 two-byte characters: under the limit in characters, over it in bytes.
    const wide = await refused({ type: 'limits.size', id: 'size-wide', data: dataOf(80_008, 'é') });
    expect(wide.message).toBe('data: is 80,008 bytes as JSON; the limit is 65,536 (64 KiB)');
    const qa = await refused({ type: 'limits.size', id: 'size-qa', data: dataOf(70_012) });
    expect(qa.message).toBe('data: is 70,012 bytes as JSON; the limit is 65,536 (64 KiB)');
    for (const id of ['size-past', 'size-wide', 'size-qa']) expect((await t.request({ method: 'GET', url: `/api/v1/events/${id}` })).statusCode).toBe(404);
  });

  it('data: 20 levels deep are taken, 21 are refused naming data and the limit', async () => {
    const at = await raise({ type: 'limits.depth', id: 'depth-at', data: nested(20) as object });
    expect(at.statusCode, at.body).toBe(202);
    const past = await refused({ type: 'limits.depth', id: 'depth-past', data: nested(21) as object });
    expect(past).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: 'data: nests deeper than 20 levels', details: { field: 'data', maxDepth: 20 } });
    // Arrays are levels too.
    const arrays = await refused({ type: 'limits.depth', id: 'depth-arrays', data: { a: JSON.parse('['.repeat(20) + ']'.repeat(20)) } });
    expect(arrays.message).toBe('data: nests deeper than 20 levels');
    expect((await raise({ type: 'limits.depth', id: 'depth-arrays-at', data: { a: JSON.parse('['.repeat(19) + ']'.repeat(19)) } })).statusCode).toBe(202);
  });

  it("GET /events/:id and GET /events give data back as raised: numeric …At and at fields stay numbers (the API's own timestamps are ISO text)", async () => {
    const data = { expiresAt: 1_700_000_000_000, at: 5, nested: { updatedAt: 1_800_000_000_000 }, list: [{ sentAt: 1 }], when: '2030-01-01' };
    expect((await raise({ type: 'data.raised', id: 'as-raised', data })).statusCode).toBe(202);
    const one = (await t.request({ method: 'GET', url: '/api/v1/events/as-raised' })).json();
    expect(one.data).toEqual(data);
    // The event's own times are still the API's ISO text.
    expect(one.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const listed = (await t.request({ method: 'GET', url: '/api/v1/events?type=data.raised' })).json();
    expect(listed.items.map((e: { data: unknown }) => e.data)).toEqual([data]);
    expect(listed.items[0].receivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('GET /events/:id and GET /events give each role as RFC 5322 text that raises the same event again', async () => {
    const recipients = {
      owner: ['Ann <ann@example.com>', '"Doe, John" <jd@example.com>'],
      approver: ['plain@example.com', '"Ann \\"Boss\\" Smith" <boss@example.com>', 'Bob   Smith <bob@example.com>'],
      requester: 'Rita Requester <RITA@Example.COM>',
    };
    const raised = await raise({ type: 'roles.text', id: 'roles-1', recipients });
    expect(raised.statusCode, raised.body).toBe(202);
    const expected = {
      owner: ['Ann <ann@example.com>', '"Doe, John" <jd@example.com>'],
      approver: ['plain@example.com', '"Ann \\"Boss\\" Smith" <boss@example.com>', 'Bob Smith <bob@example.com>'],
      // One address is a list of one; the domain is written as it is sent (lower case, ASCII).
      requester: ['Rita Requester <RITA@example.com>'],
    };
    const detail = await t.request({ method: 'GET', url: '/api/v1/events/roles-1' });
    expect(detail.statusCode, detail.body).toBe(200);
    expect(detail.json().recipients).toEqual(expected);
    const list = (await t.request({ method: 'GET', url: '/api/v1/events?type=roles.text' })).json().items as { id: string; recipients: unknown }[];
    expect(list.find((e) => e.id === 'roles-1')?.recipients).toEqual(expected);
    // The text raises an event with the same people, names and all.
    const again = await raise({ type: 'roles.text', id: 'roles-2', recipients: detail.json().recipients });
    expect(again.statusCode, again.body).toBe(202);
    expect((await t.request({ method: 'GET', url: '/api/v1/events/roles-2' })).json().recipients).toEqual(expected);
    // An event without roles has none.
    expect((await raise({ type: 'roles.text', id: 'roles-none' })).statusCode).toBe(202);
    expect((await t.request({ method: 'GET', url: '/api/v1/events/roles-none' })).json().recipients).toEqual({});
  });

  it('a refused role or address list is named by its path, and too many addresses are said to be too many', async () => {
    const role = await refused({ type: 'a.b', recipients: { Owner: ['a@example.com'] } });
    expect(role).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'recipients.Owner' } });
    expect(role.message).toMatch(/^recipients\.Owner: "Owner" is not a role name: lower-case letters/);
    const long = 'r'.repeat(65);
    expect(await refused({ type: 'a.b', recipients: { [long]: ['a@example.com'] } })).toMatchObject({ details: { field: `recipients.${long}` } });
    const addresses = (n: number) => Array.from({ length: n }, (_, i) => `p${i}@example.com`);
    expect((await raise({ type: 'a.b', recipients: { r: addresses(100) } })).statusCode).toBe(202);
    for (const n of [101, 150]) {
      const many = await refused({ type: 'a.b', recipients: { r: addresses(n) } });
      expect(many, String(n)).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: `recipients.r: at most 100 addresses per role (this one has ${n})`, details: { field: 'recipients.r' } });
    }
    // What is wrong inside a list is still named by its place.
    expect(await refused({ type: 'a.b', recipients: { r: ['a@example.com', 5] } })).toMatchObject({ message: 'recipients.r[1]: must be text, not a number', details: { field: 'recipients.r[1]' } });
    // One address given as a string is no list: its path has no index.
    expect(await refused({ type: 'a.b', recipients: { r: 'not an address' } })).toMatchObject({ code: 'MAILROOM_E_INVALID_ADDRESS', details: { field: 'recipients.r' } });
  });
});
