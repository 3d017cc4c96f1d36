import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { MailroomError, UNEXPECTED_RESPONSE } from './errors.js';
import type { paths } from './generated/openapi.js';
import { apiKeyOf, baseUrlOf } from './options.js';
import { retryingFetch, type RetryOptions } from './retry.js';

/**
 * The facade reads JSON answers only: a success that is something else (the admin UI's page
 * behind a wrong URL prefix, a proxy's login page) is thrown as a MailroomError with the code
 * MAILROOM_SDK_UNEXPECTED_RESPONSE and its status, instead of a SyntaxError from JSON.parse.
 * Only the facade's DELETE (`suppressions.remove`) is answered 204, without a body: every other
 * success of its routes is a JSON object, so an empty body (which openapi-fetch turns into
 * `data: undefined`, resolved as if it were the message), a 204 to any other call (resolved as
 * `undefined`, or a send as `{ duplicate: false }` without an id), one cut short, a bare `null`
 * or an array is refused the same way.
 */
const jsonAnswersOnly: Middleware = {
  async onResponse({ request, response }) {
    if (!response.ok) return undefined;
    const unexpected = (what: string) =>
      new MailroomError({
        code: UNEXPECTED_RESPONSE,
        message: `unexpected answer ${response.status} ${response.statusText} (${what}) from ${response.url}: is url the address Mailroom listens at, without /api/v1?`,
        status: response.status,
      });
    if (response.status === 204) {
      if (request.method === 'DELETE') return undefined;
      throw unexpected(`no content, to a ${request.method} that is answered with JSON`);
    }
    const type = response.headers.get('content-type');
    if (!type || !/[/+]json\b/i.test(type)) throw unexpected(`${type ?? 'no content type'}, not JSON`);
    // Read from a copy: openapi-fetch still reads the answer itself.
    const text = await response.clone().text();
    if (text.trim() === '') throw unexpected(`${type} with an empty body`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw unexpected(`${type} with a body that is not JSON`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw unexpected(`${type} with a body that is JSON but not an object`);
    return undefined;
  },
};

/** The typed client and the two ways of fetching the facade chooses between. */
export class Http {
  /** Every route of the API, typed from the OpenAPI document (no retries). */
  readonly api: Client<paths>;
  /** The same routes for the facade: a success that is not JSON is a MailroomError. */
  readonly facade: Client<paths>;
  /** For safe calls: repeats 429/503 answers as Retry-After says. */
  readonly retrying: (request: Request) => Promise<Response>;

  constructor(options: { url: string; apiKey: string; fetch?: ((request: Request) => Promise<Response>) | undefined; retry?: RetryOptions | false | undefined; userAgent?: string | undefined }) {
    const baseUrl = baseUrlOf(options.url);
    const apiKey = apiKeyOf(options.apiKey);
    const base = options.fetch ?? ((request: Request) => globalThis.fetch(request));
    const client = () =>
      createClient<paths>({
        baseUrl,
        fetch: base,
        headers: { authorization: `Bearer ${apiKey}`, 'user-agent': options.userAgent ?? 'mailroom-sdk/0.1' },
      });
    this.api = client();
    this.facade = client();
    this.facade.use(jsonAnswersOnly);
    this.retrying = options.retry === false ? base : retryingFetch(base, options.retry);
  }

  /** The answer's data, or its error thrown as a MailroomError with the server's code. */
  async data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    const { data, error, response } = await call;
    if (!response.ok) throw MailroomError.from(error, response);
    return data as T;
  }
}
