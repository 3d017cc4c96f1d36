import type { ReferencedRows, SeededRepository } from '../kernel/versioned-repository.js';
import type { Layout, LayoutDraft, Template, TemplateDraft, TemplateVersion } from './templates.js';

/** Templates as stored: the current version in one row, every version (the current one too) in the history. Rules name them by key (ReferencedRows). */
export interface TemplateRepository extends ReferencedRows<Template> {
  list(): Promise<Template[]>;
  get(key: string): Promise<Template | undefined>;
  getVersion(key: string, version: number): Promise<TemplateVersion | undefined>;
  /** Newest first, without the sources. */
  versions(key: string): Promise<Pick<TemplateVersion, 'key' | 'version' | 'createdAt' | 'createdBy'>[]>;
  /** The highest version ever stored under `key` (a deleted template's history stays), 0 if none. */
  lastVersion(key: string): Promise<number>;
  /** Inserts the template and its version row; DuplicateKeyError when the key exists. */
  insert(t: Template): Promise<void>;
  /** Inserts unless the key exists (seeding built-ins); true when inserted. */
  insertIfMissing(t: Template): Promise<boolean>;
  /** Replaces the current row if it still has `expectedVersion`, and adds `t`'s version row; false otherwise. */
  update(t: Template, expectedVersion: number): Promise<boolean>;
  /** Removes the template; its history stays, so the log's references keep resolving. */
  delete(key: string): Promise<void>;
  /** Template keys that use a layout (a layout in use is not deleted). */
  usingLayout(layout: string): Promise<string[]>;
  /** Template keys whose messages get a purpose (a purpose in use is not deleted). */
  usingPurpose(purpose: string): Promise<string[]>;
}

/** Layouts as stored; templates name them by key (ReferencedRows). */
export interface LayoutRepository extends SeededRepository<Layout>, ReferencedRows<Layout> {}

/** One LiquidJS source, with a key naming this exact text (a saved version) so the engine may reuse its parse. */
export interface Source {
  source: string;
  cacheKey?: string;
}

/**
 * What the engine renders: a template's parts for one locale, the layout around them, and the
 * data in scope (the caller's data, `brand`, `locale`). JSON only: it crosses a thread.
 */
export interface RenderJob {
  locale: string;
  subject: Source;
  html: Source | null;
  text: Source | null;
  layout: { html: Source; text: Source | null } | null;
  scope: Record<string, unknown>;
}

export interface RenderedParts {
  subject: string;
  html: string | null;
  text: string | null;
}

/** What the engine returns: the parts and, with a layout, what it was given. */
export interface EngineOutput extends RenderedParts {
  /**
   * With a layout: the body as rendered before the layout got it as `content`, so the core can
   * tell that the layout passed it on (a `{{ content }}` under a condition may not, for some data,
   * branding or locale). Not part of what a caller is shown.
   */
  body?: { html: string | null; text: string };
}

/** `details` of a MAILROOM_E_TEMPLATE_* error: where in the template it happened, and what. */
export interface TemplateErrorDetails {
  /** subject, html, text, layout.html, layout.text */
  part?: string;
  locale?: string;
  line?: number;
  column?: number;
  /** The undefined variable, unknown filter or tag the message names. */
  variable?: string;
  filter?: string;
  tag?: string;
  /** For a limit: which one. */
  limit?: 'deadline' | 'output' | 'memory' | 'time' | 'parse';
}

/**
 * The template engine (an adapter: LiquidJS in threads). It renders with templates held in
 * memory only, own-property lookups, strict variables and filters, HTML escaped by default,
 * and hard limits outside the engine (a deadline per render and an output cap).
 *
 * Failures are MailroomErrors: MAILROOM_E_TEMPLATE_SYNTAX (a source does not parse; details
 * name the part, line and column), MAILROOM_E_TEMPLATE_RENDER (a variable or filter failed; the
 * message names it) and MAILROOM_E_TEMPLATE_LIMIT (deadline, output or memory cap).
 *
 * Parts: the body is rendered from `html` (and `text`); with no `text`, the text is derived
 * from the body HTML. A layout gets the body as `content` and the rendered `subject`.
 */
export interface TemplateEngine {
  render(job: RenderJob): Promise<EngineOutput>;
  /** Plain text from HTML (a message sent with html only gets a text part). */
  textFromHtml(html: string): Promise<string>;
}

/** A layout Mailroom ships. */
export interface ShippedLayout extends LayoutDraft {
  /**
   * The fingerprints (layoutFingerprint) of texts earlier versions of Mailroom shipped for it:
   * one still stored as it was shipped was never changed by an admin, and is brought up to what
   * ships now at the next start (as BuiltinTemplates.superseded for templates).
   */
  supersedes?: readonly string[];
}

/** What Mailroom ships: the built-in templates (one per built-in purpose) and layouts. */
export interface BuiltinTemplates {
  templates: Readonly<Record<string, TemplateDraft>>;
  layouts: Readonly<Record<string, ShippedLayout>>;
  /**
   * By key, the fingerprints (draftFingerprint) of texts earlier versions of Mailroom shipped for
   * a built-in template: one still stored as it was shipped was never changed by an admin, and is
   * brought up to what ships now at the next start.
   */
  superseded: Readonly<Record<string, readonly string[]>>;
}

/** The template ports every core service reaches through its context. */
export interface TemplatePorts {
  engine: TemplateEngine;
  builtins: BuiltinTemplates;
}
