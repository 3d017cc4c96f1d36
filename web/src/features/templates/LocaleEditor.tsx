import type { LocaleContent } from '../../api.js';
import { issueAt, type TemplateIssue } from './issues.js';
import { IssueLine, SourceField } from './SourceField.js';

/** Subject, HTML and text of one locale. The text may stay empty: it is then derived from the HTML. */
export function LocaleEditor({ locale, content, onChange, issue, readOnly }: { locale: string; content: LocaleContent; onChange(c: LocaleContent): void; issue: TemplateIssue | null; readOnly: boolean }) {
  const id = (part: string) => `tpl-${locale}-${part}`;
  const subjectIssue = issueAt(issue, 'subject', locale);
  // HTML and text may each be left empty, which the API stores as null (text: derived from the HTML).
  const optionalPart = (part: 'html' | 'text') => ({
    id: id(part),
    value: content[part] ?? '',
    onChange: (v: string) => onChange({ ...content, [part]: v === '' ? null : v }),
    issue: issueAt(issue, part, locale),
    readOnly,
  });
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
      <SourceField {...optionalPart('html')} label={`HTML (${locale})`} hint="Output is HTML-escaped unless you add | raw. The layout wraps it." rows={16} />
      <SourceField {...optionalPart('text')} label={`Text (${locale})`} hint="Leave empty to derive the text part from the HTML." rows={10} placeholder="(derived from the HTML)" />
    </div>
  );
}
