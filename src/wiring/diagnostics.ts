import type { App } from '../app.js';
import type { RoutePlugin } from '../http/server.js';
import { diagnosticsRoutes } from '../http/routes/diagnostics.js';

/** Diagnostics' /api/v1 route groups: connection diagnostics, test email, domain check, DKIM. */
export function diagnosticsAreaRoutes(app: App): RoutePlugin[] {
  return [diagnosticsRoutes(app)];
}
