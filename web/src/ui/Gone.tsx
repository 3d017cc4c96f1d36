import type { ReactNode } from 'react';
import { Link } from '../router.js';
import { PageHeader } from './PageHeader.js';

/**
 * What a detail page shows once its item is gone (see useItem): that it was deleted, and the way
 * back to its list (the header's link, where every detail page has it); nothing to act on.
 * `seen`: the page had shown it, so it was deleted since ("This message was deleted", a status);
 * otherwise the link itself may be wrong, a stale bookmark or a mistyped id ("No such message",
 * an alert, as the refusal it is). `what` names the kind as its pages do ("message", "server");
 * `deleted` and `missing` say what happened in that kind's own words, where "someone deleted it"
 * would not fit (the email log's retention deletes messages, nobody does).
 */
export function Gone({
  what,
  seen,
  back,
  backLabel,
  deleted = `Someone deleted this ${what} while the page was open.`,
  missing = `This ${what} does not exist: it was deleted, or the link is wrong.`,
  children,
}: {
  what: string;
  seen: boolean;
  back: string;
  backLabel: string;
  deleted?: string;
  missing?: string;
  children?: ReactNode;
}) {
  return (
    <>
      <PageHeader title={seen ? `This ${what} was deleted` : `No such ${what}`} subtitle={<Link to={back}>← {backLabel}</Link>} />
      <section className="card" role={seen ? 'status' : 'alert'}>
        <p>{seen ? deleted : missing}</p>
        {children}
      </section>
    </>
  );
}
