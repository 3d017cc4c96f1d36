import type { App } from '../app.js';
import type { RoutePlugin } from '../http/server.js';
import { accountTestRoutes } from '../http/routes/account-test.js';
import { diagnosticsRoutes } from '../http/routes/diagnostics.js';
import { dkimRoutes } from '../http/routes/dkim.js';
import { domainsRoutes } from '../http/routes/domains.js';

/** Diagnostics' /api/v1 route groups: connection diagnostics, test email, domain check, DKIM. */
export function diagnosticsAreaRoutes(app: App): RoutePlugin[] {
  return [diagnosticsRoutes(app), domainsRoutes(app), dkimRoutes(app), accountTestRoutes(app)];
}
