import { CodeEditor } from '../../ui/index.js';
import type { TemplateIssue } from './issues.js';

/** The sample data as typed: its value when it is a JSON object, else what is wrong (with the line, when the browser says). */
export function parseSample(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  try {
    const v: unknown = JSON.parse(text || '{}');
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'Sample data must be a JSON object, e.g. { "user": { "name": "Ann" } }' };
    return { ok: true, value: v as Record<string, unknown> };
  } catch (err) {
    return { ok: false, error: `Sample data is not valid JSON: ${(err as Error).message}` };
  }
}

/** Why the preview cannot follow the draft while the sample data does not parse: no part, no line of a template. */
export function sampleIssue(error: string): TemplateIssue {
  return { message: error, part: null, locale: null, line: null, column: null };
}

/** The data previews and the check at save time render with; also what a test send uses. */
export function SampleData({ value, error, readOnly, onChange }: { value: string; error: string | null; readOnly: boolean; onChange(v: string): void }) {
  return (
    <section className="card" aria-labelledby="tpl-sample-h">
      <h2 id="tpl-sample-h">Sample data</h2>
      <p className="muted small">
        JSON in the shape your application sends as <code>data</code>. Every locale must render with it before the template is saved. <code>brand</code> and <code>locale</code> are
        added by Mailroom.
      </p>
      <label className="sr-only" htmlFor="tpl-sample">
        Sample data (JSON)
      </label>
      <CodeEditor id="tpl-sample" value={value} onChange={onChange} rows={10} readOnly={readOnly} describedBy={error ? 'tpl-sample-error' : undefined} />
      {error ? (
        <span className="field-error" id="tpl-sample-error">
          {error}
        </span>
      ) : null}
    </section>
  );
}
