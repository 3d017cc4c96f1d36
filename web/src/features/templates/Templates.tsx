import type { Layout, Template } from '../../api.js';
import { formatDate } from '../../format.js';
import { useList } from '../../lists.js';
import { Link, navigate } from '../../router.js';
import { Badge, DataTable, Empty, ListState, PageHeader } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { BrandingCard } from './BrandingCard.js';
import { NewTemplateForm } from './NewTemplateForm.js';

/** /templates — every template with its locales, the layouts, and the branding they all show. */
export function Templates() {
  const { can } = useSession();
  const templates = useList<Template>('/templates');
  const layouts = useList<Layout>('/layouts');
  const open = (t: Template) => navigate(`/templates/${encodeURIComponent(t.key)}`);
  return (
    <>
      <PageHeader
        title="Templates"
        subtitle={
          <>
            What applications send with <code>{'{ "template": "…", "data": { … }, "locale": "de" }'}</code>: subject, HTML and text per locale, in a branded layout.
          </>
        }
      />
      <ListState list={templates} empty={<Empty title="No templates" />}>
        <DataTable
          rows={templates.items}
          rowKey={(t) => t.key}
          rowProps={(t) => ({ className: 'clickable', onClick: () => open(t), 'data-template': t.key })}
          columns={[
            {
              header: 'Template',
              cell: (t) => (
                <>
                  <Link to={`/templates/${encodeURIComponent(t.key)}`} onClick={(e) => e.stopPropagation()}>
                    {t.name}
                  </Link>
                  <div className="muted small">
                    <code>{t.key}</code>
                  </div>
                </>
              ),
            },
            { header: 'Purpose', cell: (t) => (t.purpose ? <code>{t.purpose}</code> : '—') },
            { header: 'Locales', cell: (t) => Object.keys(t.locales).map((l) => <Badge key={l}>{l}</Badge>) },
            { header: 'Layout', cell: (t) => t.layout ?? <span className="muted">none</span> },
            {
              header: 'Version',
              cell: (t) => (
                <>
                  v{t.version} {t.builtIn ? <Badge kind="info">built-in</Badge> : null}
                  {t.modified ? <Badge kind="warn">modified</Badge> : null}
                  <div className="muted small">{formatDate(t.updatedAt)}</div>
                </>
              ),
            },
          ]}
        />
      </ListState>
      {can('admin') ? <NewTemplateForm /> : null}

      <h2 className="section-title">Layouts</h2>
      <ListState list={layouts} empty={<Empty title="No layouts" />}>
        <DataTable
          rows={layouts.items}
          rowKey={(l) => l.key}
          columns={[
            {
              header: 'Layout',
              cell: (l) => (
                <>
                  <Link to={`/templates/layouts/${encodeURIComponent(l.key)}`}>{l.name}</Link>
                  <div className="muted small">
                    <code>{l.key}</code>
                  </div>
                </>
              ),
            },
            { header: 'Used by', cell: (l) => templates.items.filter((t) => t.layout === l.key).length || '—' },
            {
              header: 'Version',
              cell: (l) => (
                <>
                  v{l.version} {l.builtIn ? <Badge kind="info">built-in</Badge> : null}
                  {l.modified ? <Badge kind="warn">modified</Badge> : null}
                </>
              ),
            },
          ]}
        />
      </ListState>
      <BrandingCard editable={can('admin')} />
    </>
  );
}
