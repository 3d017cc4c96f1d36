/** Booleans are stored as 0/1 integers in both dialects so one schema serves both. */
export type Flag = number;
/** Timestamps are epoch milliseconds (BIGINT on PostgreSQL). */
export type Millis = number;
/** JSON documents are stored as text in both dialects. */
export type JsonText = string;
