import type { MailAccount } from '../../api.js';
import { formatDate } from '../../format.js';
import { useList } from '../../lists.js';
import { Link } from '../../router.js';
import { Badge, DataTable, Empty, ListState, PageHeader } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { ProcessesCard } from '../processes/ProcessesCard.js';
import { DefaultsCard } from './DefaultsCard.js';
import { RetentionCard } from './RetentionCard.js';
import { SoftBouncesCard } from './SoftBouncesCard.js';
import { settingSummary } from './setting-summary.js';
import { useSettings } from './settings.js';

const LABELS: Record<string, string> = {
  defaultAccountId: 'System default account',
  globalCc: 'Global CC',
  globalBcc: 'Global BCC',
  mailDriver: 'Mail driver',
  branding: 'Branding (Templates page)',
  defaultLocale: 'Default locale of templates',
  contactAutoReply: 'Contact auto-reply (its own page)',
  reports: 'Report mail (Reports page)',
  driver: 'Mail driver',
  softBounces: 'Soft bounces before suppression',
  retention: 'Email log retention',
};

/** Every setting with where its value comes from; values fixed by the environment are locked. */
export function Settings() {
  const { can } = useSession();
  const settings = useSettings();
  const accounts = useList<MailAccount>('/accounts');
  const rows = settings.data ?? [];
  return (
    <>
      <PageHeader
        title="Settings"
        subtitle={
          <>
            Where each value comes from: the environment (<code>MAILROOM_*</code>), the database (set here or on <Link to="/routing">Routing</Link>), or the built-in default.
          </>
        }
      />
      <ListState list={{ ...settings, items: rows }} empty={<Empty title="No settings reported" />}>
        <DataTable
          rows={rows}
          rowKey={(s) => s.key}
          rowProps={(s) => ({ 'data-setting': s.key })}
          columns={[
            {
              header: 'Setting',
              cell: (s) => (
                <>
                  {LABELS[s.key] ?? s.key}
                  <div className="muted small">
                    <code>{s.key}</code>
                  </div>
                </>
              ),
            },
            {
              header: 'Value',
              className: 'wrap',
              cell: (s) => settingSummary(s.key, s.value, accounts.items),
            },
            {
              header: 'Source',
              cell: (s) => (
                <>
                  <Badge kind={s.source === 'env' ? 'info' : s.source === 'database' ? 'ok' : 'neutral'}>{s.source}</Badge>
                  {s.updatedBy && s.source === 'database' ? (
                    <div className="muted small">
                      by {s.updatedBy}, {formatDate(s.updatedAt)}
                    </div>
                  ) : null}
                </>
              ),
            },
            {
              header: 'Editable',
              cell: (s) =>
                s.locked ? (
                  <span className="locked">
                    <Badge kind="warn">Locked</Badge>
                    {s.reason ? <span className="muted small">{s.reason}</span> : null}
                  </span>
                ) : (
                  'Yes'
                ),
            },
          ]}
        />
      </ListState>
      {settings.data && accounts.data ? (
        <DefaultsCard views={settings.data} accounts={accounts.items} editable={can('admin')} onSaved={settings.reload} />
      ) : null}
      {settings.data ? <SoftBouncesCard views={settings.data} editable={can('admin')} onSaved={settings.reload} /> : null}
      {settings.data ? <RetentionCard views={settings.data} editable={can('admin')} onSaved={settings.reload} /> : null}
      <ProcessesCard />
    </>
  );
}
