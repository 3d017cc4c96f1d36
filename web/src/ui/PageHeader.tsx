import { useEffect, type ReactNode } from 'react';

const APP = 'Mailroom';

/**
 * The page's heading, and so its document title ("Email log · Mailroom"): every page has a
 * PageHeader, so tabs, history and screen readers tell pages apart without each page saying it.
 */
export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  useDocumentTitle(title);
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p className="muted">{subtitle}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

/** Titles the document after `page` while mounted; back to the app's name after (a page still loading has no title of its own yet). */
function useDocumentTitle(page: string): void {
  useEffect(() => {
    document.title = page ? `${page} · ${APP}` : APP;
    return () => {
      document.title = APP;
    };
  }, [page]);
}
