import type { paths } from './generated/openapi.js';

/** The JSON body of an operation's answer with the given status. */
type Answer<Op, Status extends number> = Op extends { responses: { [S in Status]: { content: { 'application/json': infer B } } } } ? B : never;
/** The JSON body an operation takes. */
type Body<Op> = Op extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

type SendOp = paths['/api/v1/messages']['post'];
type ListOp = paths['/api/v1/messages']['get'];
type GetOp = paths['/api/v1/messages/{id}']['get'];
type PreviewOp = paths['/api/v1/templates/{key}/preview']['post'];

/** POST /messages: what to send. Unknown fields are refused by tsc here and by the server. */
export type SendMessage = Body<SendOp>;
/** POST /messages → 202: the message is on disk. */
export type MessageAccepted = Answer<SendOp, 202>;
/** GET /messages/:id: the message with recipients, attempts and routing. */
export type Message = Answer<GetOp, 200>;
/** GET /messages: one page. */
export type MessagePage = Answer<ListOp, 200>;
/** A row of the email log (no bodies). */
export type MessageSummary = MessagePage['items'][number];
/** Filters of GET /messages (cursor and limit are the iterator's business). */
export type MessageFilter = Omit<NonNullable<ListOp['parameters']['query']>, 'cursor'>;
export type MessageStatus = Message['status'];
/** POST /messages/:id/retry. */
export type RetriedMessage = Answer<paths['/api/v1/messages/{id}/retry']['post'], 200>;
/** POST /messages/:id/cancel. */
export type CancelledMessage = Answer<paths['/api/v1/messages/{id}/cancel']['post'], 200>;
/** POST /templates/:key/preview: what would be sent; nothing is stored. */
export type TemplatePreviewRequest = Body<PreviewOp>;
export type TemplatePreview = Answer<PreviewOp, 200>;

type EmitOp = paths['/api/v1/events']['post'];
type EventListOp = paths['/api/v1/events']['get'];
/** POST /events: what happened, the data rules test, and who holds each role. */
export type EmitEvent = Body<EmitOp>;
/** POST /events → 202: the event and its messages are on disk. */
export type EventAccepted = Answer<EmitOp, 202>;
/** GET /events/:id: the event, the rules that matched and the messages they made. */
export type StoredEvent = Answer<paths['/api/v1/events/{id}']['get'], 200>;
/** GET /events: one page. */
export type EventPage = Answer<EventListOp, 200>;
export type EventSummary = EventPage['items'][number];
/** Filters of GET /events (cursor is the iterator's business). */
export type EventFilter = Omit<NonNullable<EventListOp['parameters']['query']>, 'cursor'>;

type SuppressionListOp = paths['/api/v1/suppressions']['get'];
/** GET /suppressions: one page. */
export type SuppressionPage = Answer<SuppressionListOp, 200>;
export type Suppression = SuppressionPage['items'][number];
/** Filters of GET /suppressions (cursor is the iterator's business). */
export type SuppressionFilter = Omit<NonNullable<SuppressionListOp['parameters']['query']>, 'cursor'>;
/** POST /suppressions: an address added by hand. */
export type NewSuppression = Body<paths['/api/v1/suppressions']['post']>;

export type { paths };
