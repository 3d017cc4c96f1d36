import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { formatMediaType, parseMediaType } from '../../src/core/outbox/media-type.js';
import { parseEvent } from '../../src/core/notify/events.js';
import { validateSubmission } from '../../src/core/outbox/messages.js';
import { composeMime } from '../../src/delivery/mime.js';
import { allowedList, fieldPath } from '../../src/http/errors.js';
import { orderMessage } from '../helpers/mime-message.js';

/**
 * The pure parts of precise errors (test/integration/error-precision.test.ts has the API):
 * Ajv's JSON pointers as the API's field paths, enum lists cut short, custom header names
 * checked as RFC 5322 field-names, attachment media types with parameters parsed and written
 * to the wire safely.
 */
describe('fieldPath', () => {
  it('writes list indices as [n] and object keys with dots', () => {
    expect(fieldPath('/scopes/0', { scopes: ['nope'] })).toBe('scopes[0]');
    expect(fieldPath('/attachments/1/contentType', { attachments: [{}, {}] })).toBe('attachments[1].contentType');
    expect(fieldPath('/filter/status/0', { filter: { status: [5] } })).toBe('filter.status[0]');
    expect(fieldPath('', {})).toBe('');
  });

  it('keeps a numeric object key a key, and unescapes the pointer', () => {
    expect(fieldPath('/data/0', { data: { 0: 'x' } })).toBe('data.0');
    expect(fieldPath('/headers/a~1b~0c', { headers: { 'a/b~c': 1 } })).toBe('headers.a/b~c');
    // Without the data, a number is taken for an index.
    expect(fieldPath('/to/1')).toBe('to[1]');
  });
});

describe('allowedList', () => {
  it('quotes every value of a short list', () => {
    expect(allowedList(['send', 'read', 'admin'])).toBe('"send", "read", "admin"');
  });

  it('cuts a long list short, saying how many more there are', () => {
    const values = Array.from({ length: 100 }, (_, i) => `value_number_${i}`);
    const text = allowedList(values);
    expect(text.length).toBeLessThan(260);
    expect(text).toMatch(/^"value_number_0", "value_number_1", .* … and \d+ more$/);
    const shown = text.split(', ').length;
    expect(text).toContain(`and ${100 - shown} more`);
  });
});

describe('recipient field paths', () => {
  const fieldOf = (input: Record<string, unknown>) => {
    try {
      validateSubmission({ subject: 's', text: 't', ...input });
    } catch (err) {
      return (err as { details?: { field?: string } }).details?.field;
    }
    return undefined;
  };

  it('names a recipient given as one string by its field, and one in a list by its index', () => {
    // cc[0] would point into a list the caller never sent (to/cc/bcc take a string or a list).
    expect(fieldOf({ to: 'ann@example.net', cc: 'b@example.com, c@example.com' })).toBe('cc');
    expect(fieldOf({ to: 'not an address' })).toBe('to');
    expect(fieldOf({ to: ['ann@example.net', 'not an address'] })).toBe('to[1]');
  });

  it("names an event's role given as one string by its path, and one in a list by its index", () => {
    const roleField = (owner: unknown) => {
      try {
        parseEvent({ type: 'a.b', recipients: { owner } }, 0);
      } catch (err) {
        return (err as { details?: { field?: string } }).details?.field;
      }
      return undefined;
    };
    expect(roleField('not an address')).toBe('recipients.owner');
    expect(roleField(['ok@example.net', 'not an address'])).toBe('recipients.owner[1]');
  });
});

describe('custom header names', () => {
  const submit = (headers: Record<string, string>) => validateSubmission({ to: 'ann@example.net', subject: 's', text: 't', headers });
  const refusal = (headers: Record<string, string>) => {
    try {
      submit(headers);
    } catch (err) {
      return err as { code: string; message: string; details: { field: string } };
    }
    throw new Error('accepted');
  };

  it('names the header and the character that is not allowed', () => {
    expect(refusal({ 'X-Bad Name': 'v' })).toMatchObject({
      code: 'MAILROOM_E_HEADER_NOT_ALLOWED',
      message: expect.stringMatching(/^headers\.X-Bad Name: the header name has a space at position 6; .*printable ASCII characters \(codes 33 to 126\) other than ":"/),
      details: { field: 'headers.X-Bad Name' },
    });
    expect(refusal({ 'X-ü': 'v' })).toMatchObject({ message: expect.stringContaining('"ü" (U+00FC, not ASCII) at position 3'), details: { field: 'headers.X-ü' } });
    expect(refusal({ 'X-a:b': 'v' })).toMatchObject({ message: expect.stringContaining('":" (it ends the name) at position 4') });
  });

  it('says an empty name is empty', () => {
    expect(refusal({ '': 'v' })).toMatchObject({ code: 'MAILROOM_E_HEADER_NOT_ALLOWED', message: expect.stringMatching(/^headers: a header name is empty; /), details: { field: 'headers.' } });
  });

  it('escapes control characters and bounds the name in the message and the field', () => {
    const inj = refusal({ 'X-A\r\nBcc: x': 'v' });
    expect(inj).toMatchObject({ code: 'MAILROOM_E_HEADER_INJECTION', details: { field: 'headers.X-A\\r\\nBcc: x' } });
    expect(inj.message).not.toMatch(/[\r\n]/);
    const long = refusal({ [`X-${'a'.repeat(200)}\u0001`]: 'v' });
    expect(long.details.field.length).toBeLessThanOrEqual('headers.'.length + 65);
    expect(long.message).toContain('the control character \\u0001 at position 203');
    expect(refusal({ [`X-${'a'.repeat(80)}`]: 'v' }).message).toContain('the header name is 82 characters');
    // Invisible formatting characters (a right-to-left override) are shown escaped too.
    expect(refusal({ 'X-\u202eevil': 'v' })).toMatchObject({ message: expect.stringContaining('"\\u202e" (U+202E, not ASCII) at position 3'), details: { field: 'headers.X-\\u202eevil' } });
  });

  it('takes any RFC 5322 field-name for an X- header, and still refuses Mailroom\'s own', () => {
    expect(submit({ 'X-Foo_Bar.baz': 'v' }).headers).toEqual({ 'X-Foo_Bar.baz': 'v' });
    expect(refusal({ 'X-Mailroom-Id': 'v' })).toMatchObject({ code: 'MAILROOM_E_HEADER_NOT_ALLOWED', message: expect.stringContaining("Mailroom's own headers"), details: { field: 'headers.X-Mailroom-Id' } });
    expect(refusal({ From: 'v' })).toMatchObject({ code: 'MAILROOM_E_HEADER_NOT_ALLOWED', message: expect.stringMatching(/^headers\.From: may not be set by the caller/), details: { field: 'headers.From' } });
  });
});

describe('attachment media types', () => {
  it('parses parameters, tokens and quoted strings', () => {
    expect(parseMediaType('text/plain; charset=utf-8')).toEqual({ type: 'text/plain', params: [['charset', 'utf-8']] });
    expect(parseMediaType('text/csv;charset="utf-8" ; Header=present;')).toEqual({ type: 'text/csv', params: [['charset', 'utf-8'], ['header', 'present']] });
    expect(parseMediaType('application/pdf')).toEqual({ type: 'application/pdf', params: [] });
    expect(parseMediaType('text/plain; title="a \\"b\\" c"')).toEqual({ type: 'text/plain', params: [['title', 'a "b" c']] });
  });

  it('says why a type does not parse', () => {
    expect(parseMediaType('pdf')).toMatch(/must be a media type such as application\/pdf, optionally with parameters such as text\/plain; charset=utf-8; "pdf" is not one/);
    expect(parseMediaType('text/plain; charset')).toMatch(/the parameter "charset" is not name=value/);
    expect(parseMediaType('text/plain; a=1; A=2')).toMatch(/"a" is given more than once/);
    expect(parseMediaType('text/plain; title="ü"')).toMatch(/printable ASCII only/);
    expect(parseMediaType('text/plain; title="a\tb"')).toEqual(expect.any(String));
  });

  it('writes the stored form back with quotes where needed', () => {
    expect(formatMediaType({ type: 'text/plain', params: [['charset', 'utf-8']] })).toBe('text/plain; charset=utf-8');
    const quoted = formatMediaType({ type: 'text/plain', params: [['title', 'a "b" \\ c']] });
    expect(quoted).toBe('text/plain; title="a \\"b\\" \\\\ c"');
    expect(parseMediaType(quoted)).toEqual({ type: 'text/plain', params: [['title', 'a "b" \\ c']] });
  });

  it('accepts text/plain; charset=utf-8 and refuses a name parameter, CR and LF', () => {
    const ok = validateSubmission({ to: 'ann@example.net', subject: 's', text: 't', attachments: [{ filename: 'a.txt', contentType: 'text/plain;charset="utf-8"', contentBase64: 'aGk=' }] });
    expect(ok.attachments[0]!.contentType).toBe('text/plain; charset=utf-8');
    const refused = (contentType: string) => {
      try {
        validateSubmission({ to: 'ann@example.net', subject: 's', text: 't', attachments: [{ filename: 'a.txt', contentType, contentBase64: 'aGk=' }] });
      } catch (err) {
        return err as { code: string; message: string };
      }
      throw new Error('accepted');
    };
    expect(refused('text/plain; name=x.txt')).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: 'attachments[0].contentType: must not have a "name" parameter: it is set from filename' });
    expect(refused('text/plain; charset=utf-8\r\nBcc: x@example.org')).toMatchObject({ code: 'MAILROOM_E_HEADER_INJECTION' });
    expect(refused('multipart/mixed; boundary=x').message).toMatch(/must not be multipart/);
  });

  it('sends the parameters in the Content-Type header, with the name from the filename', async () => {
    const raw = composeMime({
      ...orderMessage,
      attachments: [{ filename: 'notes ü.txt', contentType: 'text/plain; charset=utf-8; title="a b"', contentBase64: Buffer.from('hi ü').toString('base64') }],
    });
    const header = raw.split('\r\n\r\n').find((p) => p.includes('Content-Disposition: attachment'));
    expect(header).toMatch(/Content-Type: text\/plain; charset=utf-8; title="a b";\s+name\*?/);
    const mail = await simpleParser(Buffer.from(raw));
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString('utf8')])).toEqual([['notes ü.txt', 'text/plain', 'hi ü']]);
  });

  it('says what is wrong with attachment content that is not padded standard base64', () => {
    const refused = (contentBase64: string) => {
      try {
        validateSubmission({ to: 'ann@example.net', subject: 's', text: 't', attachments: [{ filename: 'a.bin', contentType: 'application/octet-stream', contentBase64 }] });
      } catch (err) {
        return err as { code: string; message: string; details: { field: string } };
      }
      throw new Error('accepted');
    };
    expect(refused('aGk')).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'attachments[0].contentBase64' } });
    expect(refused('aGk').message).toMatch(/it is 3 characters long; add the "=" padding$/);
    expect(refused('-_8A').message).toMatch(/looks like base64url/);
    expect(refused('not base64!').message).toMatch(/it holds other characters$/);
  });
});
