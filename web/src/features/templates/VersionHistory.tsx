import { api, type List, type TemplateVersionSummary } from '../../api.js';
import { formatDate } from '../../format.js';
import { useResource } from '../../hooks.js';

/** Who saved which version when: messages in the log name the version that rendered them. */
export function VersionHistory({ templateKey, version }: { templateKey: string; version: number }) {
  const versions = useResource(() => api.get<List<TemplateVersionSummary>>(`/templates/${encodeURIComponent(templateKey)}/versions`), [templateKey, version]);
  const items = versions.data?.items ?? [];
  return (
    <details className="card history">
      <summary>History ({items.length === 1 ? '1 version' : `${items.length} versions`})</summary>
      <ol className="plain-list">
        {items.slice(0, 20).map((v) => (
          <li key={v.version} className="small">
            <strong>v{v.version}</strong> {formatDate(v.createdAt)} {v.createdBy ? <span className="muted">by {v.createdBy}</span> : null}
          </li>
        ))}
      </ol>
    </details>
  );
}
