import type { Flag, JsonText, Millis } from './columns.js';

export interface LayoutsTable {
  key: string;
  name: string;
  html: string;
  text: string | null;
  built_in: Flag;
  version: number;
  created_at: Millis;
  updated_at: Millis;
  updated_by: string | null;
}

/** The current version of each template. */
export interface TemplatesTable {
  key: string;
  name: string;
  purpose: string | null;
  layout: string | null;
  /** `{ "<locale>": { subject, html, text } }`, JSON. */
  locales: JsonText;
  sample_data: JsonText;
  built_in: Flag;
  version: number;
  created_at: Millis;
  updated_at: Millis;
  updated_by: string | null;
}

/** Every version of every template, kept after changes and deletes (the log names them). */
export interface TemplateVersionsTable {
  key: string;
  version: number;
  name: string;
  purpose: string | null;
  layout: string | null;
  locales: JsonText;
  sample_data: JsonText;
  created_at: Millis;
  created_by: string | null;
}

export interface TemplateTables {
  layouts: LayoutsTable;
  templates: TemplatesTable;
  template_versions: TemplateVersionsTable;
}
