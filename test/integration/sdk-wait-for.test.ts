import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSdkFrom, type SdkBuild } from '../helpers/sdk-build.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The SDK's `messages.waitFor` against a real Mailroom over HTTP (no workers: a message
 * scheduled for later stays queued until it is cancelled):
 * - a message that reaches a final status not waited for (cancelled, waiting for sent) rejects at
 *   once, with MailroomError MAILROOM_SDK_INVALID_STATE naming the status it reached;
 * - a message that reaches none in time rejects with MAILROOM_SDK_TIMEOUT and the last status;
 * - a status waited for resolves, as before.
 */
// The SDK is built here, so its types do not exist when this file is compiled.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Built = any;

let t: TestApp;
let build: SdkBuild;
let sdk: Built;
let mailroom: Built;

beforeAll(async () => {
  t = await startTestApp('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  await t.server.listen({ port: 0, host: '127.0.0.1' });
  build = await buildSdkFrom((await t.request({ method: 'GET', url: '/docs/json', key: null })).json());
  expect(build.problems).toBe('');
  sdk = await build.load<Built>();
  mailroom = new sdk.Mailroom({ url: `http://127.0.0.1:${(t.server.server.address() as AddressInfo).port}`, apiKey: t.adminKey, retry: false });
}, 180_000);
afterAll(async () => {
  await t?.close();
  build?.remove();
});

const later = () => new Date(Date.now() + 3_600_000).toISOString();

it('rejects at once with MAILROOM_SDK_INVALID_STATE when the message is cancelled while waiting for sent', async () => {
  const { id } = await mailroom.messages.send({ to: 'ann@example.net', subject: 'Later', text: 'x', sendAt: later() });
  const started = Date.now();
  const waiting = mailroom.messages.waitFor(id, { until: ['sent'], timeoutMs: 20_000, intervalMs: 50 }).catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 120));
  expect((await mailroom.messages.cancel(id)).status).toBe('cancelled');
  const err = await waiting;
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(sdk.isMailroomError(err), String(err)).toBe(true);
  expect(err).toMatchObject({ code: 'MAILROOM_SDK_INVALID_STATE', status: 0, details: { id, messageStatus: 'cancelled', until: ['sent'], message: expect.objectContaining({ id, status: 'cancelled' }) } });
  expect(err.code).toBe(sdk.INVALID_STATE);
  expect(err.message).toBe(`message ${id} is cancelled, a final status, while waiting for sent`);
  expect(sdk.isSdkErrorCode(err.code)).toBe(true);

  // Already final when asked: the first read rejects.
  await expect(mailroom.messages.waitFor(id, { until: ['sent', 'failed'], timeoutMs: 20_000 })).rejects.toMatchObject({ code: 'MAILROOM_SDK_INVALID_STATE', details: { messageStatus: 'cancelled', until: ['sent', 'failed'] } });
  // Waited for (or any final status, the default): resolves.
  expect((await mailroom.messages.waitFor(id, { until: ['cancelled'] })).status).toBe('cancelled');
  expect((await mailroom.messages.waitFor(id)).status).toBe('cancelled');
});

it('rejects with MAILROOM_SDK_TIMEOUT and the last status when no status waited for comes in time', async () => {
  const { id } = await mailroom.messages.send({ to: 'bob@example.net', subject: 'Later', text: 'x', sendAt: later() });
  const started = Date.now();
  const err = await mailroom.messages.waitFor(id, { until: ['sent'], timeoutMs: 300, intervalMs: 1_000 }).catch((e: unknown) => e);
  // The pause before the next read never runs past the deadline.
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(err).toBeInstanceOf(sdk.MailroomError);
  expect(err).toMatchObject({ code: sdk.TIMEOUT, status: 0, details: { id, messageStatus: 'queued', until: ['sent'], timeoutMs: 300 } });
  expect(err.message).toBe(`message ${id} is still queued after 300 ms (waiting for sent)`);
  await mailroom.messages.cancel(id);
});

it('says what a logged message is when the log driver logged it while waiting for sent (logged is final: nothing is sent)', async () => {
  const { id } = await mailroom.messages.send({ to: 'cy@example.net', subject: 'Now', text: 'x' });
  const dispatcher = await t.app.startDelivery({ loop: false });
  await dispatcher.drain();
  const err = await mailroom.messages.waitFor(id, { until: ['sent'], timeoutMs: 5_000 }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'MAILROOM_SDK_INVALID_STATE', details: { id, messageStatus: 'logged', until: ['sent'] } });
  expect(err.message).toBe(
    `message ${id} is logged, a final status, while waiting for sent: Mailroom runs with MAILROOM_MAIL_DRIVER=log, which writes mail to its log instead of sending it (wait for "logged" too there)`,
  );
  expect((await mailroom.messages.waitFor(id, { until: ['sent', 'logged'] })).status).toBe('logged');
});
