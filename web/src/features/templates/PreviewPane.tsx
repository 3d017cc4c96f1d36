import type { TemplatePreview } from '../../api.js';
import { HtmlFrame, Spinner } from '../../ui/index.js';
import type { TemplateIssue } from './issues.js';

/**
 * What the message would look like: the subject, the HTML part in a sandboxed frame and the
 * text part, side by side with the editor.
 *
 * While the draft does not render (`issue`), the problem is said on top and the last good
 * preview stays below for reference, but veiled and saying that it is of an earlier version:
 * dimmed alone, it was still read as the current one. A render that works takes the veil away.
 */
export function PreviewPane({ preview, issue, loading, title = 'Preview' }: { preview: TemplatePreview | null; issue: TemplateIssue | null; loading: boolean; title?: string }) {
  const outdated = preview !== null && issue !== null;
  return (
    <section className="card preview-pane" aria-labelledby="preview-h" aria-busy={loading}>
      <div className="preview-head">
        <h2 id="preview-h">{title}</h2>
        {loading ? <Spinner /> : preview ? <span className="muted small">locale {preview.locale}</span> : null}
      </div>
      {issue ? (
        <div className="alert alert-error" role="alert" data-testid="preview-error">
          <strong>Cannot render: </strong>
          {issue.message}
        </div>
      ) : null}
      {preview ? (
        <div className="preview-body" data-preview-outdated={outdated ? 'true' : undefined}>
          {outdated ? (
            // First in the reading order too: a screen reader hears it before the old subject and text.
            <div className="preview-outdated" data-testid="preview-outdated">
              <p className="alert alert-warning preview-outdated-note">This preview is of the last version that rendered; fix the error above to see the current one.</p>
            </div>
          ) : null}
          <div className={outdated ? 'preview-stale' : undefined}>
            <p className="preview-subject">
              <span className="muted small">Subject</span>
              <strong data-testid="preview-subject">{preview.subject || '(no subject)'}</strong>
            </p>
            {preview.htmlUrl ? <HtmlFrame title="Preview of the HTML part" className="html-frame preview-frame" src={preview.htmlUrl} /> : <p className="muted">No HTML part: the message is plain text.</p>}
            <h3 className="preview-text-h">Text part</h3>
            <pre className="body-text" data-testid="preview-text">
              {preview.text ?? ''}
            </pre>
          </div>
        </div>
      ) : null}
    </section>
  );
}
