import createClient, { type Client } from 'openapi-fetch';
import { MailroomError } from './errors.js';
import type { paths } from './generated/openapi.js';
import { retryingFetch, type RetryOptions } from './retry.js';

/** The typed client and the two ways of fetching the facade chooses between. */
export class Http {
  /** Every route of the API, typed from the OpenAPI document (no retries). */
  readonly api: Client<paths>;
  /** For safe calls: repeats 429/503 answers as Retry-After says. */
  readonly retrying: (request: Request) => Promise<Response>;

  constructor(options: { url: string; apiKey: string; fetch?: (request: Request) => Promise<Response>; retry?: RetryOptions | false; userAgent?: string }) {
    const base = options.fetch ?? ((request: Request) => globalThis.fetch(request));
    this.api = createClient<paths>({
      baseUrl: options.url.replace(/\/+$/, ''),
      fetch: base,
      headers: { authorization: `Bearer ${options.apiKey}`, 'user-agent': options.userAgent ?? 'mailroom-sdk/0.1' },
    });
    this.retrying = options.retry === false ? base : retryingFetch(base, options.retry);
  }

  /** The answer's data, or its error thrown as a MailroomError with the server's code. */
  async data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    const { data, error, response } = await call;
    if (!response.ok) throw MailroomError.from(error, response);
    return data as T;
  }
}
