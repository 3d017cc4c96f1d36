import type { ReactNode } from 'react';
import { Link } from '../router.js';
import { PageHeader } from './PageHeader.js';

/**
 * What a detail page shows once its item is gone (see useItem): that it was deleted, and the way
 * back to its list (the header's link, where every detail page has it); nothing to act on.
 * `seen`: the page had shown it, so it was deleted since; otherwise the link itself may be wrong
 * (a stale bookmark, a mistyped id).
 */
export function Gone({ what, seen, back, backLabel, children }: { what: string; seen: boolean; back: string; backLabel: string; children?: ReactNode }) {
  return (
    <>
      <PageHeader title={seen ? `This ${what} was deleted` : `No such ${what}`} subtitle={<Link to={back}>← {backLabel}</Link>} />
      <section className="card" role="status">
        <p>{seen ? `Someone deleted this ${what} while the page was open.` : `This ${what} does not exist: it was deleted, or the link is wrong.`}</p>
        {children}
      </section>
    </>
  );
}
