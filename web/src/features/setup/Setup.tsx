import { useState } from 'react';
import { api, type List, type MailAccount, type MailServer, type Settings } from '../../api.js';
import { useAction, useResource } from '../../hooks.js';
import { mayLeave } from '../../leave-guard.js';
import { Link } from '../../router.js';
import { AdminsOnly, ErrorBox, PageHeader, Spinner } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { AccountForm } from '../senders/AccountForm.js';
import type { Preset } from '../senders/presets.js';
import { draftFrom, ServerForm } from '../senders/ServerForm.js';
import { PresetNotes } from '../senders/PresetNotes.js';
import { serverChoiceLabel } from '../senders/server-label.js';
import { loadAccountState, loadSaved, pointFor, resumePoint, STEP, wentOut, type AccountState, type ResumePoint } from './resume.js';
import { DefaultStep, PresetStep, SavedNote, SendStep, TestStep, UseExisting } from './WizardSteps.js';

const TITLE = 'Set up mail';
const SUBTITLE = 'Six short steps from nothing to a working sender. Everything here can be changed later on the normal pages.';

const STEPS = ['Provider', 'Server', 'Account', 'Connection test', 'Test email', 'Default sender'] as const;

/**
 * First-run wizard: preset → server → account → live connection test → test email → default
 * sender. Each step saves through the same API as the normal pages, so any of them can be
 * redone later from Servers, Accounts or Routing.
 */
export function Setup() {
  const { can } = useSession();
  // Every step saves servers, accounts or settings: an admin's work. Anyone else who opens the
  // page by its address is told so (as on Secrets), not shown forms whose every save is refused.
  if (!can('admin')) return <AdminsOnlyNote />;
  return <SetupForAdmins />;
}

function AdminsOnlyNote() {
  return (
    <AdminsOnly title={TITLE} subtitle={SUBTITLE}>
      <p>Only an admin can run the setup wizard: it adds mail servers and accounts and chooses the default sender.</p>
      <p className="muted">
        You can see what is set up under <Link to="/servers">Mail servers</Link> and <Link to="/accounts">Accounts</Link>. While something is missing, the banner at the top of each page says what.
      </p>
    </AdminsOnly>
  );
}

function SetupForAdmins() {
  const settings = useResource(() => api.get<Settings>('/settings'), []);
  if (settings.data?.mailDriver.value === 'log') return <LogOnlySetup />;
  return <Wizard />;
}

/**
 * With the log driver nothing the wizard configures would make mail leave, and server settings
 * are locked: say what the mode is, where the mail is read, and how to leave it.
 */
function LogOnlySetup() {
  return (
    <>
      <PageHeader title="Set up mail" subtitle="Mailroom runs in log-only mode." />
      <section className="card">
        <p>
          Mailroom was started with the environment variable <code>MAILROOM_MAIL_DRIVER=log</code>: it accepts, routes and logs every message like a real outbox,
          but no mail leaves it. Each message gets the status <strong>logged</strong>, and you read it, content and headers included, in the email log.
        </p>
        <p>
          To send real mail, restart Mailroom with <code>MAILROOM_MAIL_DRIVER=smtp</code>, and either the <code>MAILROOM_SMTP_*</code> variables or a server you add
          here after the restart. Until then server and account settings are read-only.
        </p>
        <div className="form-actions">
          <Link to="/messages" className="btn btn-primary">
            Read the logged mail
          </Link>
          <Link to="/accounts" className="btn">
            Send a test message (it is logged)
          </Link>
        </div>
      </section>
    </>
  );
}

/**
 * Opens the wizard where the saved state says setup stands (servers, accounts, the default sender,
 * a test email sent), not at step 1: a reload, another browser or tomorrow come back to the first
 * step not done, with what was saved shown as saved and the steps before it open to go back to.
 */
function Wizard() {
  const saved = useResource(loadSaved, []);
  if (saved.loading && !saved.data) {
    return (
      <>
        <PageHeader title={TITLE} subtitle={SUBTITLE} />
        <Spinner />
      </>
    );
  }
  // Unreadable, the wizard starts afresh rather than not at all: saving still works step by step.
  const start = resumePoint(saved.data ?? { servers: [], accounts: [], defaultAccountId: null, testEmail: null });
  return <WizardAt start={start} unreadable={saved.data ? null : saved.error} />;
}

const NOTHING_SAVED: AccountState = { testEmail: null, isDefault: false };

function WizardAt({ start, unreadable }: { start: ResumePoint; unreadable: string | null }) {
  const [step, setStep] = useState(start.step);
  const [reached, setReached] = useState(start.reached);
  // Done by what is saved, or in this visit by a step's own way on (a skip leaves its step not done).
  const [done, setDone] = useState<readonly number[]>(start.done);
  const [preset, setPreset] = useState<Preset | null>(null);
  const [server, setServer] = useState<MailServer | null>(start.server);
  const [account, setAccount] = useState<MailAccount | null>(start.account);
  // What is saved of the account gone on with: its newest test email, whether it is the default sender.
  const [saved, setSaved] = useState<AccountState>({ testEmail: start.testEmail, isDefault: start.isDefault });
  const switching = useAction();
  const servers = useResource(() => api.get<List<MailServer>>('/servers'), [server?.version]);
  const accounts = useResource(() => api.get<List<MailAccount>>('/accounts'), [account?.version]);

  /** On to step `n`; `passed`: the step left, done. */
  const go = (n: number, passed?: number) => {
    setStep(n);
    setReached((r) => Math.max(r, n));
    if (passed !== undefined) setDone((d) => (d.includes(passed) ? d : [...d, passed]));
  };
  /**
   * Another server or account: what was done and reached was that of the one before. The steps
   * after it are done and open as the resume rules say for the new one (a never-tested account's
   * test email step is not done, its default sender not chosen), then step `n` opens.
   */
  const switchTo = (p: ResumePoint, n: number) => {
    setServer(p.server);
    setAccount(p.account);
    setSaved({ testEmail: p.testEmail, isDefault: p.isDefault });
    setDone(p.done);
    setReached(Math.max(p.reached, n));
    setStep(n);
  };
  // A server or account, saved here or picked from the saved ones, moves the wizard on alike.
  const continueWithServer = (s: MailServer) => {
    // The same server, saved again: its account and what was done with it stay.
    if (server?.id === s.id) {
      setServer(s);
      return go(STEP.account, STEP.server);
    }
    // Another server: an account on it is not this server's, so step 3 starts afresh.
    switchTo(pointFor(s, null, NOTHING_SAVED), STEP.account);
  };
  const continueWithAccount = async (a: MailAccount) => {
    const itsServer = servers.data?.items.find((s) => s.id === a.serverId) ?? server;
    // Unreadable, nothing past the account counts as done: the steps still work one by one.
    const state = await switching.run(() => loadAccountState(a));
    switchTo(pointFor(itsServer, a, state ?? NOTHING_SAVED), STEP.connection);
  };
  /** What a step needs before it can show anything: a server for the account, an account for the rest. */
  const missing = (i: number): 'server' | 'account' | null => (i >= STEP.account && !server ? 'server' : i >= STEP.connection && !account ? 'account' : null);
  const finished = account !== null && saved.isDefault;

  const body = () => {
    const needs = missing(step);
    // Never an empty card: a step without what it needs says what to do first.
    if (needs) return <FirstNeeds what={needs} onGo={() => setStep(needs === 'server' ? STEP.server : STEP.account)} />;
    switch (step) {
      case 0:
        return (
          <>
            <PresetStep
              chosen={preset}
              onChoose={(p) => {
                setPreset(p);
                go(1);
              }}
            />
          </>
        );
      case 1:
        return (
          <>
            <PresetNotes preset={preset} />
            {server ? <SavedNote what="server" name={serverChoiceLabel(server)} onContinue={() => go(2)} /> : null}
            <UseExisting items={servers.data?.items ?? []} label="Or use a saved server" describe={serverChoiceLabel} onUse={continueWithServer} />
            <ServerForm
              key={`${preset?.id ?? 'none'}-${server?.id ?? 'new'}-${server?.version ?? 0}`}
              server={server ?? undefined}
              initial={server ? undefined : draftFrom({ name: preset && preset.id !== 'custom' ? preset.name : '', smtp: preset?.smtp })}
              submitLabel="Save and continue"
              onSaved={continueWithServer}
            />
          </>
        );
      case 2:
        if (!servers.data) return <Spinner />;
        return (
          <>
            <PresetNotes preset={preset} />
            {account ? <SavedNote what="account" name={account.address} onContinue={() => go(3)} /> : null}
            <UseExisting
              items={(accounts.data?.items ?? []).filter((a) => !server || a.serverId === server.id)}
              label="Or use a saved account"
              describe={(x) => x.address}
              onUse={(a) => void continueWithAccount(a)}
              busy={switching.busy}
            />
            <ErrorBox error={switching.error} title="What is saved of this account could not be read" />
            <AccountForm
              key={`${account?.id ?? 'new'}-${account?.version ?? 0}`}
              account={account ?? undefined}
              servers={servers.data.items}
              serverId={server?.id}
              defaults={{ login: preset?.username && /^[^\s{}@]+$/.test(preset.username) ? preset.username : undefined }}
              submitLabel="Save and continue"
              onSaved={(a) => void continueWithAccount(a)}
            />
          </>
        );
      case 3:
        return account ? <TestStep account={account} onPassed={(ok) => go(STEP.testEmail, ok ? STEP.connection : undefined)} /> : null;
      case 4:
        return account ? (
          <SendStep
            key={account.id}
            account={account}
            last={saved.testEmail}
            onSent={(m) => {
              const sent = wentOut(m);
              go(STEP.defaultSender, sent ? STEP.testEmail : undefined);
              // A test email that went out also shows the connection works; coming back to step 5 follows it.
              if (sent) setDone((d) => (d.includes(STEP.connection) ? d : [...d, STEP.connection]));
              if (m) setSaved((x) => ({ ...x, testEmail: m }));
            }}
          />
        ) : null;
      case 5:
        return account ? (
          <DefaultStep
            key={account.id}
            account={account}
            isDefault={saved.isDefault}
            onDone={() => {
              setSaved((x) => ({ ...x, isDefault: true }));
              setDone((d) => (d.includes(STEP.defaultSender) ? d : [...d, STEP.defaultSender]));
            }}
          />
        ) : null;
      default:
        return null;
    }
  };

  return (
    <>
      <PageHeader title={TITLE} subtitle={SUBTITLE} />
      <ErrorBox error={unreadable} title="What is set up already could not be read: the wizard starts at step 1" />
      <ol className="stepper" aria-label="Setup steps">
        {STEPS.map((label, i) => {
          // A step that needs a server or account not chosen yet is not open, whatever was reached before.
          const openable = i <= reached && missing(i) === null;
          const state = i === step ? 'current' : !openable ? 'todo' : done.includes(i) ? 'done' : 'open';
          return (
            <li key={label} className={`step step-${state}`}>
              {/* Another step replaces this one's form: typed values not saved are asked about first, as on leaving the page. */}
              <button type="button" onClick={() => i !== step && void mayLeave().then((leave) => leave && setStep(i))} disabled={!openable} aria-current={i === step ? 'step' : undefined}>
                <span className="step-n">{i + 1}</span>
                <span className="step-label">{label}</span>
              </button>
            </li>
          );
        })}
      </ol>
      <section className="card wizard-body" aria-labelledby="wizard-step-h">
        <h2 id="wizard-step-h">
          Step {step + 1}: {STEPS[step]}
        </h2>
        {body()}
      </section>
      {finished ? (
        <div className="form-actions">
          <Link to="/messages" className="btn btn-primary">
            Go to the email log
          </Link>
          <Link to="/routing" className="btn">
            Route purposes
          </Link>
        </div>
      ) : null}
    </>
  );
}

/** A step opened without the server or account it works on (none chosen yet): where to choose one. */
function FirstNeeds({ what, onGo }: { what: 'server' | 'account'; onGo: () => void }) {
  return (
    <div data-testid="step-needs">
      <p>
        {what === 'server' ? 'Choose or add a mail server first: this step works on it.' : 'Choose or add an account first: this step works on it.'}
      </p>
      <button type="button" className="btn btn-primary" onClick={onGo}>
        {what === 'server' ? 'Go to step 2: Server' : 'Go to step 3: Account'}
      </button>
    </div>
  );
}
