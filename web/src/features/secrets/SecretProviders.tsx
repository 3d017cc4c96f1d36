import type { SecretProvider } from '../../api.js';
import { formatDate } from '../../format.js';
import { useList, useRemove } from '../../lists.js';
import { AdminsOnly, Badge, ConfirmButton, DataTable, Empty, ErrorBox, ListState, PageHeader } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { NamedSecrets } from './NamedSecrets.js';
import { ProviderForm } from './ProviderForm.js';
import { ProviderTest } from './ProviderTest.js';
import { KINDS } from './kinds.js';

/** Where the provider is, in one line (its URL), for the list. */
function endpointOf(p: SecretProvider): string {
  const c = p.config as Record<string, unknown>;
  return String(c.vaultUrl ?? c.address ?? c.baseUrl ?? '');
}

const TITLE = 'Secrets';
const SUBTITLE = 'Where account passwords come from when they are not typed in: a vault your company already runs, or one named secret shared by several accounts.';

/**
 * Secret providers (Azure Key Vault, CyberArk, Vault) and Mailroom's own named secrets: admins
 * only, reading them too. Anyone else who opens the page by its address is told so, rather than
 * shown two refusals above forms they cannot use.
 */
export function SecretProviders() {
  const { can } = useSession();
  if (!can('admin')) {
    return (
      <AdminsOnly title={TITLE} subtitle={SUBTITLE}>
        <p>Only an admin can see and manage secret providers and internal secrets.</p>
      </AdminsOnly>
    );
  }
  return <SecretsForAdmins />;
}

function SecretsForAdmins() {
  const list = useList<SecretProvider>('/secret-providers');
  const del = useRemove(list, (p: SecretProvider) => `/secret-providers/${p.id}`);
  return (
    <>
      <PageHeader title={TITLE} subtitle={SUBTITLE} />
      <h2 className="section-title">Secret providers</h2>
      <ErrorBox error={del.error} />
      <ListState list={list} empty={<Empty title="No secret provider yet">Add Azure Key Vault, CyberArk or HashiCorp Vault below; accounts then pick their password from it.</Empty>}>
        <DataTable
          rows={list.items}
          rowKey={(p) => p.id}
          columns={[
            {
              header: 'Provider',
              cell: (p) => (
                <>
                  <strong>{p.name}</strong>
                  <div className="muted small">
                    {KINDS[p.kind].label} · <code>{endpointOf(p)}</code>
                  </div>
                </>
              ),
            },
            { header: 'Credentials', cell: (p) => <Badge kind="ok">{p.credentialsSet.join(', ')} set</Badge> },
            { header: 'Cache', cell: (p) => <span className="small">{p.config.cacheTtlSec} s, stale up to {p.config.staleIfErrorSec} s</span> },
            { header: 'Test a secret', cell: (p) => <ProviderTest providerId={p.id} providerName={p.name} placeholder={KINDS[p.kind].placeholder} /> },
            { header: 'Changed', cell: (p) => <span className="small">{formatDate(p.updatedAt)}</span> },
            { header: '', cell: (p) => <ConfirmButton label="Delete" srLabel={p.name} question={`Delete provider ${p.name}?`} onConfirm={() => void del.remove(p)} busy={del.busy} /> },
          ]}
        />
      </ListState>
      <ProviderForm onCreated={() => list.reload()} />
      <NamedSecrets />
    </>
  );
}
