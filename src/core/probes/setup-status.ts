import { LOG_DRIVER_DEFAULTS } from '../senders/deploy-vars.js';
import type { CoreContext } from '../context.js';
import type { MailDriver } from '../senders/deploy-vars.js';
import { listPurposes } from '../routing/purposes.service.js';
import { readRoutingSettings } from '../routing/settings.js';
import { isDirect, type SmtpSettings } from '../senders/servers.js';
import { spfGaps, spfMechanisms } from './direct-spf.js';
import type { DnsLookup } from './spf.js';

/** One thing that keeps mail from working, worded for an admin, with where to fix it. */
export interface SetupGap {
  code: 'no_server' | 'no_active_account' | 'no_default_sender' | 'purpose_without_sender' | 'log_driver' | 'log_driver_stand_in' | 'key_file_readable' | 'direct_without_dkim' | 'direct_spf_not_covering';
  message: string;
  fix?: string;
  /** Purpose keys, for purpose_without_sender. */
  purposes?: string[];
  /** Sender domains, for direct_without_dkim and direct_spf_not_covering. */
  domains?: string[];
  /** The direct servers' public addresses some domain's SPF does not cover, for direct_spf_not_covering. */
  addresses?: string[];
}

export interface SetupStatus {
  complete: boolean;
  missing: SetupGap[];
}

export interface SetupFacts {
  mailDriver: MailDriver;
  /** The master key file, when the key comes from one and group/others can read it. */
  keyFileTooOpen?: string;
  /** The resolver of MAILROOM_DNS_SERVERS, to read the sender domains' SPF. */
  dns: DnsLookup;
}

/** What an admin still has to do before mail works; the UI shows it as a banner until complete. */
export async function getSetupStatus(ctx: CoreContext, facts: SetupFacts): Promise<SetupStatus> {
  const repos = ctx.store.repos;
  const [servers, accounts, settings, purposes] = await Promise.all([repos.servers.list(), repos.accounts.list(), readRoutingSettings(repos), listPurposes(ctx)]);
  const active = accounts.filter((a) => a.active);
  const missing: SetupGap[] = [];
  if (facts.mailDriver === 'log') {
    missing.push({
      code: 'log_driver',
      message: 'Log-only mode (the environment variable MAILROOM_MAIL_DRIVER=log): no mail leaves Mailroom. Every message is stored with the status "logged" and can be read, with its content, in the email log.',
      fix: 'To send real mail, restart Mailroom with MAILROOM_MAIL_DRIVER=smtp (and the MAILROOM_SMTP_* variables, or add a server here after the restart). Until then server settings are read-only.',
    });
  }
  // The log driver's stand-in (mailroom@mailroom.invalid on localhost:25) is left when a start
  // switches to the smtp driver: still active (often the default), it would send real mail through
  // whatever listens on port 25 of this machine, from an address no one can answer.
  const standIn = facts.mailDriver !== 'log' ? active.find((a) => a.address === LOG_DRIVER_DEFAULTS.fromAddress) : undefined;
  if (standIn) {
    missing.push({
      code: 'log_driver_stand_in',
      message: `The account ${standIn.address}, which the log driver made as a stand-in, is active${settings.defaultAccountId === standIn.id ? ' and the default sender' : ''}: with MAILROOM_MAIL_DRIVER=smtp its mail goes to port 25 of this machine, from an address no one can answer.`,
      fix: 'Add a real server and account (the setup wizard), choose it as the default sender under Settings, then switch the stand-in account off or delete it.',
    });
  }
  if (!servers.length) {
    missing.push({
      code: 'no_server',
      message: 'No mail server is configured, so Mailroom has nowhere to send mail through.',
      fix: 'Add a server under Mail servers → Add server (Use a preset fills in the details), or set MAILROOM_SMTP_HOST, MAILROOM_SMTP_PORT, MAILROOM_MAIL_FROM_ADDRESS and MAILROOM_MAIL_FROM_NAME and restart.',
    });
  }
  if (!active.length) {
    missing.push({
      code: 'no_active_account',
      message: accounts.length
        ? `All ${accounts.length} sender account${accounts.length > 1 ? 's are' : ' is'} switched off, so no message can be sent.`
        : 'No sender account exists: a server alone cannot send; an account gives the From address and the login.',
      fix: accounts.length ? 'Activate an account under Accounts.' : 'Add an account under Accounts (sender address, and the password if the server needs a login).',
    });
  }
  const dflt = settings.defaultAccountId ? accounts.find((a) => a.id === settings.defaultAccountId) : undefined;
  if (!dflt?.active) {
    missing.push({
      code: 'no_default_sender',
      message: !settings.defaultAccountId
        ? 'No default sender account is set: mail of purposes without an account of their own goes out from whichever active account is oldest.'
        : dflt
          ? `The default sender account ${dflt.address} is switched off.`
          : 'The default sender account was deleted.',
      fix: 'Choose the default sender account under Settings.',
    });
  }
  // A purpose whose own list names accounts none of which can send any more is a silent misroute.
  const stranded = purposes.filter((p) => p.enabled && p.accountIds.length > 0 && !p.accountIds.some((id) => active.some((a) => a.id === id)));
  if (stranded.length) {
    missing.push({
      code: 'purpose_without_sender',
      message: `${stranded.length === 1 ? 'Purpose' : 'Purposes'} ${stranded.map((p) => `"${p.key}"`).join(', ')} ${stranded.length === 1 ? 'lists' : 'list'} only accounts that are switched off or deleted; ${dflt?.active ? `their mail falls back to the default account ${dflt.address}` : active.length ? 'their mail falls back to another account' : 'their mail cannot be sent'}.`,
      fix: 'Under Purposes, list an active account for each, or activate one of the accounts listed.',
      purposes: stranded.map((p) => p.key),
    });
  }
  if (facts.keyFileTooOpen) {
    missing.push({
      code: 'key_file_readable',
      message: `The master key file ${facts.keyFileTooOpen} can be read by other users of this machine; with it they can decrypt every stored password.`,
      fix: `Run: chmod 600 ${facts.keyFileTooOpen}`,
    });
  }
  const senders = directSenders(servers, active);
  const unsigned = await directWithoutDkim(ctx, senders);
  if (unsigned.length) {
    missing.push({
      code: 'direct_without_dkim',
      message: `Mail from ${unsigned.join(', ')} goes out through a direct server unsigned: with no relay vouching for it, receivers judge it by DKIM and by SPF covering this machine's address, and most mailbox providers refuse or file unsigned direct mail as spam.`,
      fix: `Create a DKIM key for ${unsigned.length === 1 ? 'the domain' : 'each domain'} under Domains and publish its DNS record; check there that SPF covers this machine's public address.`,
      domains: unsigned,
    });
  }
  const uncovered = await directSpfNotCovering(facts.dns, senders);
  if (uncovered) missing.push(uncovered);
  return { complete: missing.length === 0, missing };
}

interface DirectSenders {
  /** The public addresses the direct server gives (none: SPF cannot be checked). */
  addresses: string[];
  /** Sender domains of its active accounts. */
  domains: string[];
}

/** Each direct server with the sender domains of its active accounts. */
function directSenders(servers: { id: string; smtp: Pick<SmtpSettings, 'mode' | 'direct'> }[], active: { serverId: string; address: string }[]): DirectSenders[] {
  return servers
    .filter((s) => isDirect(s.smtp))
    .map((s) => ({
      addresses: s.smtp.direct?.publicAddresses ?? [],
      domains: [...new Set(active.filter((a) => a.serverId === s.id).map((a) => a.address.slice(a.address.lastIndexOf('@') + 1).toLowerCase()))],
    }))
    .filter((s) => s.domains.length > 0);
}

/** Sender domains of active accounts on direct servers that have no DKIM key. */
async function directWithoutDkim(ctx: CoreContext, senders: DirectSenders[]): Promise<string[]> {
  const domains = [...new Set(senders.flatMap((s) => s.domains))];
  const keys = await Promise.all(domains.map((d) => ctx.store.repos.dkimKeys.get(d)));
  return domains.filter((_, i) => !keys[i]);
}

/**
 * Direct mail is judged by the address it comes from, so each sender domain's SPF must cover
 * the public addresses the admin gave for its server (only they know them: NAT hides them).
 */
async function directSpfNotCovering(dns: DnsLookup, senders: DirectSenders[]): Promise<SetupGap | undefined> {
  const gaps = (await Promise.all(senders.filter((s) => s.addresses.length > 0).map((s) => spfGaps(dns, s.domains, s.addresses)))).flat();
  if (!gaps.length) return undefined;
  const domains = [...new Set(gaps.map((g) => g.domain))];
  const addresses = [...new Set(gaps.flatMap((g) => Object.keys(g.results)))];
  const detail = gaps.map((g) => `${g.domain} (${Object.entries(g.results).map(([ip, r]) => `${ip}: ${r}`).join(', ')})`).join('; ');
  const add = (g: (typeof gaps)[number]) =>
    Object.values(g.results).includes('none')
      ? `publish a TXT record at ${g.domain}: "v=spf1 ${spfMechanisms(Object.keys(g.results))} ~all"`
      : `add "${spfMechanisms(Object.keys(g.results))}" to the SPF record of ${g.domain}, before its "all"`;
  return {
    code: 'direct_spf_not_covering',
    message: `The SPF of ${domains.join(', ')} does not authorise this machine's public address${addresses.length > 1 ? 'es' : ''} ${addresses.join(', ')}: ${detail}. Receivers reject or file as spam direct mail that SPF does not cover.`,
    fix: `In DNS, ${gaps.map(add).join('; ')}. Check the result under Domains.`,
    domains,
    addresses,
  };
}
