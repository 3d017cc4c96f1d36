import { useState, type FormEvent } from 'react';
import { api, type Suppression } from '../../api.js';
import { formatDate } from '../../format.js';
import { useAction } from '../../hooks.js';
import { usePagedList } from '../../lists.js';
import { Link } from '../../router.js';
import { ConfirmButton, DataTable, Empty, ErrorBox, FilterForm, ListState, LoadMore, PageHeader, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { useSession } from '../access/session.js';

const REASONS: Record<Suppression['reason'], string> = {
  hard_bounce: 'hard bounce',
  soft_bounce: 'repeated soft bounces',
  complaint: 'abuse complaint',
  manual: 'added by hand',
};

/** Addresses later sends skip: why, since when, from which bounce; admins add and remove. */
export function Suppressions() {
  const { can } = useSession();
  const isAdmin = can('admin');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const list = usePagedList<Suppression>('/suppressions', { q: search || undefined, limit: 100 });
  const [address, setAddress] = useState('');
  const [detail, setDetail] = useState('');
  // Adding and removing answer in different places: a refused address beside the form (until the form is edited), a refused removal above the list.
  const adding = useAction([address, detail]);
  const act = useAction();
  // An address typed to suppress is work until it is added (the form empties itself then); the search box is not.
  const { dirty } = useUnsavedChanges(JSON.stringify([address, detail]));

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await adding.run(() => api.post('/suppressions', { address: address.trim(), ...(detail.trim() ? { detail: detail.trim() } : {}) }))) {
      setAddress('');
      setDetail('');
      list.restart();
    }
  };
  const remove = async (s: Suppression) => {
    if ((await act.run(() => api.del(`/suppressions/${encodeURIComponent(s.address)}`))) !== undefined) list.restart();
  };

  return (
    <>
      <PageHeader title="Suppressions" subtitle="Addresses Mailroom no longer sends to: hard bounces, repeated soft bounces and complaints it read, and addresses added by hand." />
      <FilterForm
        label="Search the suppression list"
        submitLabel="Search"
        onApply={() => {
          setSearch(q.trim());
          // Search again even when the text is the same: the list may have changed.
          list.restart();
        }}
      >
        <label>
          <span>Address contains</span>
          <input value={q} onChange={(e) => setQ(e.target.value)} placeholder="example.net" />
        </label>
      </FilterForm>
      <ErrorBox error={act.error} title="Not removed" />
      <ListState
        list={list}
        empty={search ? <Empty title={`No suppressed address contains “${search}”`} /> : <Empty title="No suppressed address">Bounces and complaints Mailroom reads put addresses here.</Empty>}
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
              cell: (s) => (s.sourceMessageId ? <Link to={`/messages/${s.sourceMessageId}`}>the received message</Link> : <span className="muted">{s.createdBy}</span>),
            },
            { header: 'Since', cell: (s) => formatDate(s.createdAt) },
            { header: 'Until', cell: (s) => (s.expiresAt ? formatDate(s.expiresAt) : 'until removed') },
            ...(isAdmin ? [{ header: '', cell: (s: Suppression) => <ConfirmButton label="Remove" srLabel={s.address} question={`Send to ${s.address} again?`} onConfirm={() => void remove(s)} busy={act.busy} /> }] : []),
          ]}
        />
      </ListState>
      <LoadMore list={list} label="Load more" />
      {isAdmin ? (
        <form className="card" onSubmit={add} aria-label="Suppress an address">
          <h2>Suppress an address</h2>
          <label>
            <span>Address</span>
            <input
              value={address}
              onChange={(e) => setAddress(e.target.value)}
              placeholder="former@example.net"
              required
              aria-invalid={adding.field === 'address' ? true : undefined}
            />
          </label>
          <label>
            <span>Note (optional)</span>
            <input value={detail} onChange={(e) => setDetail(e.target.value)} placeholder="left the company" maxLength={500} />
          </label>
          <ErrorBox error={adding.error} title="Not suppressed" />
          <button type="submit" className="btn btn-primary" disabled={adding.busy}>
            {adding.busy ? 'Suppressing…' : 'Suppress'}
          </button>
          <UnsavedChangesGuard dirty={dirty} what="the address to suppress" />
        </form>
      ) : null}
    </>
  );
}
