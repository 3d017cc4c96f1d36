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
import type { WebhookDelivery as CoreWebhookDelivery, WebhookDeliveryDetail as CoreWebhookDeliveryDetail } from '../../src/core/webhooks/deliveries.service.js';
import type { WebhookEndpoint as CoreWebhookEndpoint } from '../../src/core/webhooks/endpoints.js';
import type { WebhookEventType as CoreWebhookEventType } from '../../src/core/webhooks/event-types.js';
import type * as Api from '../../src/http/api-types.js';

/**
 * src/http/api-types.ts is what clients (the admin UI) read; the core's shapes are what the
 * routes send. Each line below fails `tsc` (npm run typecheck) when the two drift apart.
 * (The message views return OnServer<…> themselves: src/http/routes/messages-view.ts.)
 */
type Agrees<Server, Wire> = Server extends Api.OnServer<Wire> ? true : never;
const agree = <T extends true>(v: T) => v;
/** Both ways: the UI offers exactly the events the server accepts. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;

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
  agree<Same<CoreWebhookEventType, Api.WebhookEventType>>(true),
  agree<Agrees<CoreWebhookEndpoint, Api.WebhookEndpoint>>(true),
  agree<Agrees<CoreWebhookDelivery, Api.WebhookDelivery>>(true),
  agree<Agrees<CoreWebhookDeliveryDetail, Api.WebhookDeliveryDetail>>(true),
];

it('the shared API types agree with what the core returns (checked by tsc)', () => {
  expect(checks.every(Boolean)).toBe(true);
});
