import type { Http } from './http.js';
import { everyItem } from './pages.js';
import type { NewSuppression, Suppression, SuppressionFilter, SuppressionPage } from './types.js';

/** The suppression list: addresses later sends skip (from bounces, complaints or an admin). */
export class Suppressions {
  constructor(private readonly http: Http) {}

  /** One page in address order; pass its `nextCursor` back as `cursor` for the next. */
  async page(filter: SuppressionFilter & { cursor?: string | undefined } = {}): Promise<SuppressionPage> {
    return this.http.data(this.http.facade.GET('/api/v1/suppressions', { params: { query: filter }, fetch: this.http.retrying }));
  }

  /** Every entry that matches (`q`: part of the address), fetching pages as the loop goes. */
  async *list(filter: SuppressionFilter = {}): AsyncGenerator<Suppression, void, undefined> {
    yield* everyItem((f) => this.page(f), filter);
  }

  /** Adds an address by hand (admin scope); an address listed already is a MailroomError MAILROOM_E_DUPLICATE. */
  async add(entry: NewSuppression): Promise<Suppression> {
    return this.http.data(this.http.facade.POST('/api/v1/suppressions', { body: entry }));
  }

  /** Removes an address (admin scope): later sends reach it again. */
  async remove(address: string): Promise<void> {
    await this.http.data(this.http.facade.DELETE('/api/v1/suppressions/{address}', { params: { path: { address } } }));
  }
}
