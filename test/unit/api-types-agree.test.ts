import { expect, it } from 'vitest';
import type { ApiKey as CoreApiKey } from '../../src/core/access/auth.js';
import type { User as CoreUser } from '../../src/core/access/users.js';
import type { AuditEntry as CoreAuditEntry } from '../../src/core/kernel/audit.js';
import type { OutboxStatus as CoreOutboxStatus } from '../../src/core/outbox/messages.service.js';
import type { DomainCheck as CoreDomainCheck } from '../../src/core/probes/domain-check.service.js';
import type { DiagnosticResult as CoreDiagnosticResult, SmtpStepName } from '../../src/core/probes/diagnostics.js';
import type { SetupStatus as CoreSetupStatus } from '../../src/core/probes/setup-status.js';
import type { Purpose as CorePurpose } from '../../src/core/routing/purposes.js';
import type { MailAccount as CoreMailAccount } from '../../src/core/senders/accounts.js';
import type { publicDkimKey } from '../../src/core/senders/dkim.js';
import type { PRESETS } from '../../src/core/senders/presets.js';
import type { MailServer as CoreMailServer } from '../../src/core/senders/servers.js';
import type * as Api from '../../src/http/api-types.js';
import type { SmtpCredential as CoreSmtpCredential } from '../../src/core/relay/credentials.js';
import type { RelayRejection as CoreRelayRejection } from '../../src/core/relay/ports.js';
import type { RelayStatus as PortsRelayStatus } from '../../src/ports.js';

/**
 * src/http/api-types.ts is what clients (the admin UI) read; the core's shapes are what the
 * routes send. Each line below fails `tsc` (npm run typecheck) when the two drift apart.
 * (The message views return OnServer<…> themselves: src/http/routes/messages-view.ts.)
 */
type Agrees<Server, Wire> = Server extends Api.OnServer<Wire> ? true : never;
const agree = <T extends true>(v: T) => v;

export const checks = [
  agree<Agrees<CoreUser, Api.User>>(true),
  agree<Agrees<CoreApiKey, Api.ApiKey>>(true),
  agree<Agrees<CoreAuditEntry, Api.AuditEntry>>(true),
  agree<Agrees<CoreMailServer, Api.MailServer>>(true),
  agree<Agrees<CoreMailAccount, Api.MailAccount>>(true),
  agree<Agrees<(typeof PRESETS)[number], Api.ProviderPreset>>(true),
  agree<Agrees<ReturnType<typeof publicDkimKey>, Api.DkimKey>>(true),
  agree<Agrees<CorePurpose, Api.Purpose>>(true),
  agree<Agrees<CoreOutboxStatus, Api.OutboxStatus>>(true),
  agree<Agrees<CoreDiagnosticResult<SmtpStepName>, Api.DiagnosticResult>>(true),
  agree<Agrees<CoreDomainCheck, Api.DomainCheck>>(true),
  agree<Agrees<CoreSetupStatus, Api.SetupStatus>>(true),
  agree<Agrees<CoreSmtpCredential, Api.SmtpCredential>>(true),
  agree<Agrees<CoreRelayRejection, Api.RelayRejection>>(true),
  agree<Agrees<PortsRelayStatus, Api.RelayStatus>>(true),
];

it('the shared API types agree with what the core returns (checked by tsc)', () => {
  expect(checks.every(Boolean)).toBe(true);
});
