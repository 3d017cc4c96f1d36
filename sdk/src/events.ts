import type { Http } from './http.js';
import { everyItem } from './pages.js';
import type { EmitEvent, EventAccepted, EventFilter, EventPage, EventSummary, StoredEvent } from './types.js';

/** Events in (notification rules decide who is told), and what each produced. */
export class Events {
  constructor(private readonly http: Http) {}

  /**
   * Raises an event; resolves once it and every message its rules made are on disk (202). The
   * event's `id` makes it idempotent: without one it is made here, so a call repeated after a
   * 429/503 or a lost answer (by the SDK) returns the first answer (`duplicate: true`) and sends nothing twice.
   */
  async emit(event: EmitEvent): Promise<EventAccepted> {
    const body = { ...event, id: event.id ?? `sdk-${crypto.randomUUID()}` };
    const accepted: EventAccepted = await this.http.data(this.http.facade.POST('/api/v1/events', { body, fetch: this.http.retrying }));
    // An id made here is this call's own: "duplicate" can only be the SDK's repeat after a lost answer.
    return event.id === undefined ? { ...accepted, duplicate: false } : accepted;
  }

  /** The event with the rules that matched and the messages they made. */
  async get(id: string): Promise<StoredEvent> {
    return this.http.data(this.http.facade.GET('/api/v1/events/{id}', { params: { path: { id } }, fetch: this.http.retrying }));
  }

  /** One page, newest first; pass its `nextCursor` back as `cursor` for the next. */
  async page(filter: EventFilter & { cursor?: string | undefined } = {}): Promise<EventPage> {
    return this.http.data(this.http.facade.GET('/api/v1/events', { params: { query: filter }, fetch: this.http.retrying }));
  }

  /** Every event that matches, fetching pages as the loop goes. */
  async *list(filter: EventFilter = {}): AsyncGenerator<EventSummary, void, undefined> {
    yield* everyItem((f) => this.page(f), filter);
  }
}
