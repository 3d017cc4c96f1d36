import type { Millis } from './columns.js';

/** A preview page kept for the editor's frame (migration 035). */
export interface PreviewPagesTable {
  id: string;
  /** The principal's id that asked for it. */
  owner: string;
  html: string;
  /** UTF-8 bytes of html. */
  bytes: number;
  created_at: Millis;
  expires_at: Millis;
}

export interface PreviewTables {
  preview_pages: PreviewPagesTable;
}
