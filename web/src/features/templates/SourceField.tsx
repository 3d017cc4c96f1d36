import { CodeEditor, Field, showLine } from '../../ui/index.js';
import type { TemplateIssue } from './issues.js';

/** One source (HTML, text) with its label, hint and the problem at its line, if any. */
export function SourceField({ id, label, hint, value, onChange, issue, rows, readOnly, placeholder }: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  onChange(v: string): void;
  issue: TemplateIssue | null;
  rows?: number;
  readOnly?: boolean;
  placeholder?: string;
}) {
  return (
    <Field label={label} id={id} hint={hint} wide>
      <CodeEditor id={id} value={value} onChange={onChange} rows={rows} errorLine={issue?.line} invalid={issue !== null} describedBy={issue ? `${id}-error` : hint ? `${id}-hint` : undefined} readOnly={readOnly} placeholder={placeholder} />
      {issue ? <IssueLine id={`${id}-error`} target={id} issue={issue} /> : null}
    </Field>
  );
}

/** "Line 3, column 7: undefined variable: user" beside the field, with a button that goes there. */
export function IssueLine({ id, target, issue }: { id: string; target: string; issue: TemplateIssue }) {
  // The message repeats where ("locales.de.html, line 3, column 7: …", or the field alone: "html: …");
  // beside the field, under its label, what is enough.
  const what = besideField(issue.message);
  return (
    <span className="field-error" id={id} data-testid="field-error">
      {issue.line ? (
        <>
          <button type="button" className="btn btn-icon" onClick={() => showLine(target, issue.line as number, issue.column ?? 1)}>
            Line {issue.line}
            {issue.column ? `, column ${issue.column}` : ''}
          </button>{' '}
        </>
      ) : null}
      {what}
    </span>
  );
}

/**
 * A message without the "where" it starts with: the part and line ("Layout HTML, line 3, column 7: "),
 * the field as the editor names it ("Subject (en): ", "HTML: ") or the API's path ("html: ").
 */
export function besideField(message: string): string {
  return message.replace(/^(?:[^:]*line \d+, column \d+|[\w.[\]]+|(?:Layout )?(?:Subject|HTML|Text)(?: \([\w-]+\))?): /, '');
}
