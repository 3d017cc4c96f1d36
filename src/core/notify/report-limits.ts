/**
 * How many individual reports (per-report senders) report mail takes. No imports, so the admin UI
 * bundles it as it is and stops offering a row beyond it.
 */
export const REPORT_OVERRIDES_MAX = 100;
