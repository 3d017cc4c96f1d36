import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { changesNothing, versionConflict } from '../kernel/versioning.js';
import type { Repositories } from '../ports.js';
import { newWebhookSecret, parseEndpointInput, parseRotation, publicEndpoint, type WebhookEndpoint } from './endpoints.js';
import type { StoredEndpoint, WebhookTargetGuard } from './ports.js';
import { PULL_FORWARD_CHUNK, pullBacklogForward } from './delivery-queue.js';

/** Health counts cover the deliveries created in the last 24 hours. */
export const HEALTH_WINDOW_MS = 24 * 3600 * 1000;

async function shown(repos: Repositories, ctx: CoreContext, list: StoredEndpoint[]): Promise<WebhookEndpoint[]> {
  const now = ctx.clock.now();
  const counts = await repos.webhookEndpoints.counts(list.map((e) => e.id), now - HEALTH_WINDOW_MS);
  return list.map((e) => publicEndpoint(e, counts.get(e.id)!, now));
}

/** What the audit log keeps of an endpoint: its settings, never a secret or its counters. */
function audited(e: StoredEndpoint) {
  return { url: e.url, description: e.description, events: e.events, enabled: e.enabled, disabledReason: e.disabledReason };
}

export async function listEndpoints(ctx: CoreContext): Promise<WebhookEndpoint[]> {
  const repos = ctx.store.repos;
  return shown(repos, ctx, await repos.webhookEndpoints.list());
}

export async function getEndpoint(ctx: CoreContext, id: string): Promise<WebhookEndpoint> {
  const repos = ctx.store.repos;
  const e = await repos.webhookEndpoints.get(id);
  if (!e) throw notFound('webhook', id);
  return (await shown(repos, ctx, [e]))[0];
}

/**
 * Creates an endpoint after checking where its URL leads (the network policy refuses
 * loopback, private, link-local and metadata addresses unless allow-listed). The secret is in
 * this answer only; it is stored encrypted and never shown again.
 */
export async function createEndpoint(ctx: CoreContext, actor: Actor, guard: WebhookTargetGuard, input: unknown): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const v = parseEndpointInput(input, { partial: false });
  await guard.check(v.url!);
  const secret = newWebhookSecret();
  const now = ctx.clock.now();
  const endpoint = await ctx.store.transaction(async (repos) => {
    const e: StoredEndpoint = {
      id: newId('whk', now),
      url: v.url!.href,
      description: v.description ?? null,
      events: v.events!,
      enabled: v.enabled ?? true,
      secretId: await repos.secrets.put(secret),
      previousSecretId: null,
      rotationEndsAt: null,
      lastSuccessAt: null,
      consecutiveFailures: 0,
      firstFailureAt: null,
      lastFailureAt: null,
      disabledReason: null,
      disabledAt: null,
      createdBy: actor.label,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await repos.webhookEndpoints.insert(e);
    await audit(repos, ctx, actor, 'webhook.create', { type: 'webhook', id: e.id }, undefined, audited(e));
    return (await shown(repos, ctx, [e]))[0];
  });
  return { endpoint, secret };
}

/**
 * Changes URL, events, description or the switch. Switching it on again (after Mailroom or an
 * admin switched it off) starts a clean slate: the failing streak and the reason are cleared,
 * and the deliveries that waited meanwhile are sent.
 */
export async function updateEndpoint(ctx: CoreContext, actor: Actor, guard: WebhookTargetGuard, id: string, input: unknown): Promise<WebhookEndpoint> {
  const v = parseEndpointInput(input, { partial: true });
  if (v.url) await guard.check(v.url);
  const version = v.version!;
  const updated = await ctx.store.transaction(async (repos) => {
    const prev = await repos.webhookEndpoints.get(id);
    if (!prev) throw notFound('webhook', id);
    if (prev.version !== version) throw versionConflict('webhook', id, prev.version, version);
    const now = ctx.clock.now();
    const enabled = v.enabled ?? prev.enabled;
    const switchedOn = enabled && !prev.enabled;
    const next: StoredEndpoint = {
      ...prev,
      url: v.url?.href ?? prev.url,
      description: v.description !== undefined ? v.description : prev.description,
      events: v.events ?? prev.events,
      enabled,
      ...(switchedOn ? { consecutiveFailures: 0, firstFailureAt: null, disabledReason: null, disabledAt: null } : {}),
      ...(!enabled && prev.enabled ? { disabledReason: null, disabledAt: now } : {}),
      updatedAt: now,
      version: prev.version + 1,
    };
    // The event types are a set (subscribed to or not): another order alone is no change.
    if (changesNothing(prev, next, ['events'])) return { endpoint: (await shown(repos, ctx, [prev]))[0], backlog: false, now };
    if (!(await repos.webhookEndpoints.update(next, version))) throw versionConflict('webhook', id, prev.version + 1, version);
    const backlog = switchedOn && (await repos.webhookDeliveries.pullForward(id, now, PULL_FORWARD_CHUNK)) === PULL_FORWARD_CHUNK;
    await audit(repos, ctx, actor, 'webhook.update', { type: 'webhook', id }, audited(prev), audited(next));
    return { endpoint: (await shown(repos, ctx, [next]))[0], backlog, now };
  });
  // The switch is committed: a failure here leaves the rest on their retry schedule, not lost.
  if (updated.backlog) await pullBacklogForward(ctx, id, updated.now).catch(() => 0);
  return updated.endpoint;
}

/**
 * An endpoint's deliveries (with their attempts) deleted per transaction before the endpoint:
 * months of them are hundreds of thousands of rows, which one cascading DELETE removed in one
 * statement (600,000 with their attempts: 3.6 s, during which SQLite's event loop stood still).
 */
const DELETE_CHUNK = 1_000;

/** Deletes the endpoint, its deliveries and attempts, and its secrets. */
export async function deleteEndpoint(ctx: CoreContext, actor: Actor, id: string): Promise<void> {
  if (!(await ctx.store.repos.webhookEndpoints.get(id))) throw notFound('webhook', id);
  // The log first, a chunk at a time (the event loop turns between them); whatever a last
  // fan-out adds meanwhile goes with the endpoint's row below (the foreign key cascades). Cut
  // short, the endpoint stays with part of its log, and deleting it again finishes.
  let deleted: number;
  do deleted = await ctx.store.grouped((repos) => repos.webhookDeliveries.deleteSome(id, DELETE_CHUNK));
  while (deleted > 0);
  await ctx.store.transaction(async (repos) => {
    const prev = await repos.webhookEndpoints.get(id);
    if (!prev) throw notFound('webhook', id);
    await repos.webhookEndpoints.delete(id);
    await repos.secrets.delete(prev.secretId);
    if (prev.previousSecretId) await repos.secrets.delete(prev.previousSecretId);
    await audit(repos, ctx, actor, 'webhook.delete', { type: 'webhook', id }, audited(prev), undefined);
  });
}

/**
 * A new secret, shown in this answer only. For `graceSec` the old one keeps signing beside it
 * (two signatures per request), so receivers can switch without losing a request; an older
 * previous secret is dropped (at most two sign at once).
 */
export async function rotateSecret(ctx: CoreContext, actor: Actor, id: string, input: unknown): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const { graceSec } = parseRotation(input);
  const secret = newWebhookSecret();
  const endpoint = await ctx.store.transaction(async (repos) => {
    const prev = await repos.webhookEndpoints.get(id);
    if (!prev) throw notFound('webhook', id);
    const now = ctx.clock.now();
    if (prev.previousSecretId) await repos.secrets.delete(prev.previousSecretId);
    const keepOld = graceSec > 0;
    if (!keepOld) await repos.secrets.delete(prev.secretId);
    const next: StoredEndpoint = {
      ...prev,
      secretId: await repos.secrets.put(secret),
      previousSecretId: keepOld ? prev.secretId : null,
      rotationEndsAt: keepOld ? now + graceSec * 1000 : null,
      updatedAt: now,
      version: prev.version + 1,
    };
    if (!(await repos.webhookEndpoints.update(next, prev.version))) throw versionConflict('webhook', id, prev.version + 1, prev.version);
    await audit(repos, ctx, actor, 'webhook.rotate_secret', { type: 'webhook', id }, undefined, { graceSec, rotationEndsAt: next.rotationEndsAt === null ? null : new Date(next.rotationEndsAt).toISOString() });
    return (await shown(repos, ctx, [next]))[0];
  });
  return { endpoint, secret };
}

/** The secrets that sign a request now: the current one, and the previous one during a rotation's grace. */
export async function signingSecrets(repos: Repositories, e: StoredEndpoint, now: number): Promise<string[]> {
  const secrets = [await repos.secrets.reveal(e.secretId)];
  if (e.previousSecretId && e.rotationEndsAt !== null && e.rotationEndsAt > now) secrets.push(await repos.secrets.reveal(e.previousSecretId));
  return secrets;
}
