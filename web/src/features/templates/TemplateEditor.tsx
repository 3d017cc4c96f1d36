import { useState } from 'react';
import { api, type Template } from '../../api.js';
import { Link } from '../../router.js';
import { Badge, ErrorBox, Notice, PageHeader, Spinner } from '../../ui/index.js';
import { Gone } from '../../ui/Gone.js';
import { useItem } from '../../ui/useItem.js';
import { useSession } from '../access/session.js';
import { TemplateForm } from './TemplateForm.js';

/**
 * /templates/:key — the editor: the template's settings, one tab per locale (subject, HTML,
 * text), the sample data, and the live preview beside them; save, reset a built-in, delete a
 * custom one, send a test.
 */
export function TemplateEditor({ templateKey }: { templateKey: string }) {
  const { can } = useSession();
  // Deleted elsewhere (a custom template, by another admin): a 404 says so instead of the editor.
  const loaded = useItem(() => api.get<Template>(`/templates/${encodeURIComponent(templateKey)}`), [templateKey]);
  // The template as saved here, or as loaded after a conflict: the header shows it.
  const [saved, setSaved] = useState<Template | null>(null);
  // How often it was saved here: each save starts the form afresh. A load does not (the form
  // started itself afresh from it, and keeps saying so until the next save).
  const [saves, setSaves] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [locale, setLocale] = useState<string | null>(null);
  const t = saved ?? loaded.data;

  if (loaded.gone) return <Gone what="template" seen={!!t} back="/templates" backLabel="Templates" />;
  if (loaded.loading && !t) return <Spinner />;
  if (!t) {
    // Not a 404 (the API or the network failing): the page still says what it is and how to get back.
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
        key={`${t.key}#${saves}`}
        afterSave={notice !== null}
        template={t}
        editable={can('admin')}
        locale={locale}
        onLocale={setLocale}
        watch={loaded.watch}
        onSaved={(next, what) => {
          setSaved(next);
          setSaves((n) => n + 1);
          setNotice(what);
        }}
        onLoaded={(stored) => {
          setSaved(stored);
          // A "Saved as version …" from before speaks of a version that is no longer the latest.
          setNotice(null);
        }}
      />
    </>
  );
}
