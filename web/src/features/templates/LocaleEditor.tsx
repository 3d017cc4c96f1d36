import type { LocaleContent } from '../../api.js';
import { issueAt, type TemplateIssue } from './issues.js';
import { IssueLine, SourceField } from './SourceField.js';

/** Subject, HTML and text of one locale. The text may stay empty: it is then derived from the HTML. */
export function LocaleEditor({ locale, content, onChange, issue, readOnly }: { locale: string; content: LocaleContent; onChange(c: LocaleContent): void; issue: TemplateIssue | null; readOnly: boolean }) {
  const id = (part: string) => `tpl-${locale}-${part}`;
  const subjectIssue = issueAt(issue, 'subject', locale);
  return (
    <div className="form-grid locale-editor" data-locale={locale}>
      <div className="field field-wide">
        <label htmlFor={id('subject')}>Subject ({locale})</label>
        <input
          id={id('subject')}
          className="mono"
          value={content.subject}
          readOnly={readOnly}
          aria-invalid={subjectIssue ? true : undefined}
          aria-describedby={subjectIssue ? `${id('subject')}-error` : undefined}
          onChange={(e) => onChange({ ...content, subject: e.target.value })}
        />
        {subjectIssue ? <IssueLine id={`${id('subject')}-error`} target={id('subject')} issue={subjectIssue} /> : null}
      </div>
      <SourceField
        id={id('html')}
        label={`HTML (${locale})`}
        hint="Output is HTML-escaped unless you add | raw. The layout wraps it."
        value={content.html ?? ''}
        onChange={(v) => onChange({ ...content, html: v === '' ? null : v })}
        issue={issueAt(issue, 'html', locale)}
        rows={16}
        readOnly={readOnly}
      />
      <SourceField
        id={id('text')}
        label={`Text (${locale})`}
        hint="Leave empty to derive the text part from the HTML."
        value={content.text ?? ''}
        onChange={(v) => onChange({ ...content, text: v === '' ? null : v })}
        issue={issueAt(issue, 'text', locale)}
        rows={10}
        readOnly={readOnly}
        placeholder="(derived from the HTML)"
      />
    </div>
  );
}
