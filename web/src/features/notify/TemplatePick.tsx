import { api, type TemplatePreview, type Template } from '../../api.js';
import { useResource } from '../../hooks.js';
import { Field, FieldError, HtmlFrame } from '../../ui/index.js';

/** The template picker, with the chosen template rendered from its sample data below it. */
export function TemplatePick({ templates, value, onChange, error }: { templates: Template[]; value: string; onChange(key: string): void; error: string | null }) {
  const preview = useResource(() => (value ? api.post<TemplatePreview>(`/templates/${encodeURIComponent(value)}/preview`, {}) : Promise.resolve(undefined)), [value]);
  return (
    <Field label="Template" id="rule-template" wide hint="Renders with the event’s data at the top level, plus event.* and recipient.*; the preview uses the template’s sample data.">
      <select id="rule-template" required value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined}>
        <option value="">choose a template</option>
        {templates.map((t) => (
          <option key={t.key} value={t.key}>
            {t.name} ({t.key})
          </option>
        ))}
      </select>
      <FieldError id="rule-template-err" message={error} />
      {preview.data ? (
        <div className="template-pick-preview" data-testid="template-pick-preview">
          <p className="small">
            <span className="muted">Subject </span>
            <strong>{preview.data.subject}</strong>
          </p>
          {preview.data.htmlUrl ? <HtmlFrame title="Preview of the template" className="html-frame preview-frame" src={preview.data.htmlUrl} /> : <pre className="body-text">{preview.data.text}</pre>}
        </div>
      ) : preview.error ? (
        <p className="muted small">No preview: {preview.error}</p>
      ) : null}
    </Field>
  );
}
