import { useState } from 'react';
import { api, type Template } from '../../api.js';
import { useResource } from '../../hooks.js';
import { Link } from '../../router.js';
import { Badge, ErrorBox, Notice, PageHeader, Spinner } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { TemplateForm } from './TemplateForm.js';

/**
 * /templates/:key — the editor: the template's settings, one tab per locale (subject, HTML,
 * text), the sample data, and the live preview beside them; save, reset a built-in, delete a
 * custom one, send a test.
 */
export function TemplateEditor({ templateKey }: { templateKey: string }) {
  const { can } = useSession();
  const loaded = useResource(() => api.get<Template>(`/templates/${encodeURIComponent(templateKey)}`), [templateKey]);
  const [saved, setSaved] = useState<Template | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [locale, setLocale] = useState<string | null>(null);
  const t = saved ?? loaded.data;

  if (loaded.loading && !t) return <Spinner />;
  if (!t) {
    // A stale bookmark or a deleted template: the page still says what it is and how to get back.
    return (
      <>
        <PageHeader title="Template" subtitle={<Link to="/templates">← Templates</Link>} />
        <ErrorBox error={loaded.error ?? 'Template not found'} />
      </>
    );
  }
  return (
    <>
      <PageHeader
        title={t.name}
        subtitle={
          <>
            <Link to="/templates">← Templates</Link> · <code>{t.key}</code> · version {t.version} {t.builtIn ? <Badge kind="info">built-in</Badge> : null}
            {t.modified ? <Badge kind="warn">modified</Badge> : null}
          </>
        }
      />
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <TemplateForm
        // A saved version starts the form afresh from what the server stored; its Save button then takes the focus back.
        key={`${t.key}@${t.version}`}
        afterSave={notice !== null}
        template={t}
        editable={can('admin')}
        locale={locale}
        onLocale={setLocale}
        onSaved={(next, what) => {
          setSaved(next);
          setNotice(what);
        }}
      />
    </>
  );
}
