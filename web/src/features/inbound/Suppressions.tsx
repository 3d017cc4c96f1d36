import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, isNotFound, withQuery, type Suppression } from '../../api.js';
import { formatDate } from '../../format.js';
import { useAction } from '../../hooks.js';
import { usePagedList } from '../../lists.js';
import { Link, navigate, useLocation } from '../../router.js';
import { ConfirmButton, DataTable, Empty, ErrorBox, errorFor, Field, FieldError, FilterForm, FormActions, ListState, LoadMore, Notice, PageHeader, UnsavedChangesGuard, useListOutcome, useOutcome, useUnsavedChanges } from '../../ui/index.js';
import { useSession } from '../access/session.js';

const REASONS: Record<Suppression['reason'], string> = {
  hard_bounce: 'hard bounce',
  soft_bounce: 'repeated soft bounces',
  complaint: 'abuse complaint',
  manual: 'added by hand',
};

/**
 * The API refuses an address listed already naming its reason and time as the API has them
 * ("manual", "since 2026-12-06 22:03:57 UTC"); the list beside the form says "added by hand" and
 * the reader's local time, so the refusal is said in those words.
 */
function listedAlready(err: unknown, address: string): never {
  const details = err instanceof ApiError ? (err.details as { reason?: Suppression['reason']; since?: string } | undefined) : undefined;
  if (err instanceof ApiError && details?.reason && details.since) {
    throw new ApiError(err.status, err.code, `${address} is on the suppression list already (${REASONS[details.reason] ?? details.reason}, since ${formatDate(details.since)}); remove it first to change it.`, err.details);
  }
  throw err;
}

/**
 * Why a search with Unicode in it may find nothing. The list keeps a domain in its ASCII form
 * (`bücher` as `xn--bcher-kva`), and the search turns each Unicode label typed into that form; part
 * of a label has no ASCII form of its own (`ücher` is not part of `xn--bcher-kva`), so only whole
 * labels find their entries. Matching parts too would mean decoding every stored domain at each
 * search, for a hint this short to say instead.
 */
function UnicodeSearchNote() {
  return <p>A domain written in Unicode is searched by whole labels: “bücher” and “bücher.example” find ann@bücher.example (listed as ann@xn--bcher-kva.example), “ücher” does not.</p>;
}

/** What a new search found, said to screen readers (ListState's `found`). */
function foundInWords(n: number, more: boolean, search: string): string {
  if (n === 0) return search ? `No suppressed address contains “${search}”.` : 'No suppressed address.';
  const one = n === 1 && !more;
  const count = `${n}${more ? ' or more' : ''} suppressed address${one ? '' : 'es'}`;
  return search ? `${count} contain${one ? 's' : ''} “${search}”.` : `${count}.`;
}

/**
 * Addresses later sends skip: why, since when, from which bounce; admins add and remove.
 * The search lives in the address bar (`?q=`), as the other lists' filters do.
 */
export function Suppressions() {
  const { can } = useSession();
  const isAdmin = can('admin');
  const { query } = useLocation();
  const search = (query.get('q') ?? '').trim();
  const [q, setQ] = useState(search);
  useEffect(() => setQ(search), [search]);
  const list = usePagedList<Suppression>('/suppressions', { q: search || undefined, limit: 100 });
  // What an add or a removal did, each said where it was done: a removal also puts the focus on the next row.
  const added = useOutcome();
  const removed = useListOutcome(list, (s: Suppression) => s.address);
  const [address, setAddress] = useState('');
  const [detail, setDetail] = useState('');
  // Adding and removing answer in different places: a refused address beside the form (until the form is edited), a refused removal above the list.
  const adding = useAction([address, detail]);
  const act = useAction();
  // An address someone else removed first: said here, as done, since it is what was asked for.
  const [removedAlready, setRemovedAlready] = useState<string | null>(null);
  // What a removal said is about the rows it was beside: it goes when the search shows others.
  const { setError: setRemoveError } = act;
  const { clear: forgetRemoved } = removed;
  useEffect(() => {
    setRemoveError(null);
    setRemovedAlready(null);
    forgetRemoved();
  }, [search, setRemoveError, forgetRemoved]);
  // An address typed to suppress is work until it is added (the form empties itself then); the search box is not.
  const { dirty } = useUnsavedChanges(JSON.stringify([address, detail]));

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const typed = address.trim();
    added.clear();
    if (await adding.run(() => api.post('/suppressions', { address: typed, ...(detail.trim() ? { detail: detail.trim() } : {}) }).catch((err: unknown) => listedAlready(err, typed)))) {
      setAddress('');
      setDetail('');
      added.say(`${typed} is suppressed: Mailroom no longer sends to it.`);
      list.restart();
    }
  };
  const remove = async (s: Suppression) => {
    setRemovedAlready(null);
    removed.clear();
    // DELETE answers 204 with no body (undefined), as a failure does: say the outcome in words. A 404
    // is someone else's removal (the list here was older): the address is off the list, as asked.
    const result = await act.run(() =>
      api.del(`/suppressions/${encodeURIComponent(s.address)}`).then(
        () => 'removed' as const,
        (err: unknown) => {
          if (isNotFound(err)) return 'already' as const;
          throw err;
        },
      ),
    );
    if (result) {
      // The row goes either way, and the focus with it to the next row. Someone else's removal has its own notice.
      if (result === 'already') setRemovedAlready(s.address);
      removed.done(result === 'already' ? null : `${s.address} was removed: Mailroom sends to it again.`, s);
      // A refusal to add an address listed already may no longer hold once one is removed.
      adding.setError(null);
      list.restart();
    }
  };

  return (
    <>
      <PageHeader title="Suppressions" subtitle="Addresses Mailroom no longer sends to: hard bounces, repeated soft bounces and complaints it read, and addresses added by hand." />
      <FilterForm
        label="Search the suppression list"
        submitLabel="Search"
        onApply={() => {
          const to = withQuery('/suppressions', { q: q.trim() });
          // Search again even when the text is the same: the list may have changed.
          if (to === withQuery('/suppressions', { q: search })) {
            list.restart();
            setRemoveError(null);
            setRemovedAlready(null);
          } else navigate(to);
        }}
      >
        <div className="filter-field">
          <label>
            <span>Address contains</span>
            <input value={q} onChange={(e) => setQ(e.target.value)} placeholder="example.net" aria-describedby="supp-q-hint" />
          </label>
          <small className="muted" id="supp-q-hint">
            A domain typed in Unicode is found by whole labels: bücher, not ücher
          </small>
        </div>
      </FilterForm>
      <ErrorBox error={act.error} title="Not removed" />
      {removed.notice}
      {removedAlready ? <Notice>{removedAlready} was removed already (by someone else): it is off the list.</Notice> : null}
      <ListState
        list={list}
        found={{ query: search, say: (n) => foundInWords(n, list.cursor !== null, search) }}
        empty={
          search ? (
            <Empty title={`No suppressed address contains “${search}”`}>{/[^\p{ASCII}]/u.test(search) ? <UnicodeSearchNote /> : null}</Empty>
          ) : (
            <Empty title="No suppressed address">Bounces and complaints Mailroom reads put addresses here.</Empty>
          )
        }
      >
        <DataTable
          rows={list.items}
          rowKey={(s) => s.address}
          columns={[
            { header: 'Address', cell: (s) => <code>{s.address}</code> },
            {
              header: 'Why',
              cell: (s) => (
                <>
                  {REASONS[s.reason]}
                  {s.detail ? <div className="muted small">{s.detail}</div> : null}
                </>
              ),
            },
            {
              header: 'From',
              cell: (s) =>
                s.sourceMessageId ? (
                  <Link to={`/messages/${s.sourceMessageId}`}>
                    the received message<span className="sr-only"> that suppressed {s.address}</span>
                  </Link>
                ) : (
                  <span className="muted">{s.createdBy}</span>
                ),
            },
            { header: 'Since', cell: (s) => formatDate(s.createdAt) },
            // No end: the address stays listed until someone removes it.
            { header: 'Until', className: 'nowrap', cell: (s) => (s.expiresAt ? formatDate(s.expiresAt) : <span className="muted">no end</span>) },
            ...(isAdmin ? [{ header: '', cell: (s: Suppression) => <ConfirmButton label="Remove" srLabel={s.address} question={`Send to ${s.address} again?`} onConfirm={() => void remove(s)} busy={act.busy} /> }] : []),
          ]}
        />
      </ListState>
      <LoadMore list={list} label="Load more" />
      {isAdmin ? (
        <form className="card" onSubmit={add} aria-label="Suppress an address">
          <h2>Suppress an address</h2>
          <div className="form-grid">
            <Field label="Address" id="supp-address">
              <input
                id="supp-address"
                value={address}
                onChange={(e) => setAddress(e.target.value)}
                placeholder="former@example.net"
                required
                aria-invalid={adding.field === 'address' ? true : undefined}
              />
              <FieldError id="supp-address-error" message={errorFor(adding.field, adding.error, 'address')} />
            </Field>
            <Field label="Note (optional)" id="supp-detail">
              <input id="supp-detail" value={detail} onChange={(e) => setDetail(e.target.value)} placeholder="left the company" maxLength={500} />
              <FieldError id="supp-detail-error" message={errorFor(adding.field, adding.error, 'detail')} />
            </Field>
          </div>
          {/* A refusal the fields above do not hold (they say theirs beside them). */}
          <ErrorBox error={adding.field === 'address' || adding.field === 'detail' ? null : adding.error} title="Not suppressed" />
          {added.notice}
          {/* FormActions gives the focus back to Suppress once done (disabled while busy, it lost it). */}
          <FormActions submit={{ label: 'Suppress', busy: adding.busy, busyLabel: 'Suppressing…' }} />
          <UnsavedChangesGuard dirty={dirty} what="the address to suppress" />
        </form>
      ) : null}
    </>
  );
}
