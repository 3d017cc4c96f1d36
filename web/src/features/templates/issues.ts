import { ApiError, errorMessage, type TemplateErrorDetails } from '../../api.js';

/** A template problem the API reported, with where it is: the part, the locale, the line and column. */
export interface TemplateIssue {
  message: string;
  /** subject, html, text, layout.html, layout.text; null when the API named no part. */
  part: string | null;
  locale: string | null;
  line: number | null;
  column: number | null;
}

const PARTS: Record<string, string> = { subject: 'Subject', html: 'HTML', text: 'Text' };

/**
 * The "where" an API message starts with, in the editor's labels: "locales.en.subject, line 1,
 * column 4: …" → "Subject (en), line 1, column 4: …", "layout html" → "Layout HTML". The rest,
 * and a message that starts otherwise, stay as the API said them.
 */
export function whereInWords(message: string): string {
  return message.replace(/^(?:locales\.([\w-]+)\.|content\.)?(subject|html|text)(?=(?:, line \d+, column \d+)?: )/, (_m, locale: string | undefined, part: string) => `${PARTS[part]}${locale ? ` (${locale})` : ''}`)
    .replace(/^layout[ .](html|text)(?=(?:, line \d+, column \d+)?: )/, (_m, part: string) => `Layout ${PARTS[part]}`)
    .replace(/^text from html(?=(?:, line \d+, column \d+)?: )/, 'Text made from the HTML');
}

/**
 * Reads an API error into where-and-what. Template errors say part, locale, line and column in
 * `details`; validation errors name a field such as "locales.de.subject".
 */
export function templateIssue(err: unknown): TemplateIssue {
  const details = (err instanceof ApiError ? err.details : undefined) as (TemplateErrorDetails & { field?: string }) | undefined;
  const field = /^(?:content|locales\.([^.]+))\.(subject|html|text)$/.exec(details?.field ?? '');
  return {
    message: whereInWords(errorMessage(err)),
    part: details?.part ?? field?.[2] ?? (details?.field === 'html' || details?.field === 'text' ? details.field : null),
    locale: details?.locale ?? field?.[1] ?? null,
    line: details?.line ?? null,
    column: details?.column ?? null,
  };
}

/** The issue if it is about `part` of `locale` (the field to mark), else null. */
export function issueAt(issue: TemplateIssue | null, part: string, locale: string | null): TemplateIssue | null {
  if (!issue || issue.part !== part) return null;
  return issue.locale === null || locale === null || issue.locale === locale ? issue : null;
}
