// Compiled by test/integration/sdk-types.test.ts inside a build of the SDK: must compile cleanly.
// Template data, an event's data and preview data are free-form JSON: the types must take any field.
import type { Mailroom } from './index.js';

export async function sendData(mailroom: Mailroom): Promise<void> {
  await mailroom.messages.send({ to: ['ann@example.net'], template: 'password_reset', locale: 'de', data: { user: { name: 'Ann' }, reset_url: 'https://app.example.com/r', expires_in_minutes: 60 } });
  await mailroom.events.emit({ type: 'access.request.created', data: { company: 'Acme', resource: { name: 'Production database' } }, recipients: { owner: ['olga@acme.example'] } });
  await mailroom.templates.preview('password_reset', { locale: 'de', data: { reset_url: 'https://app.example.com/r', expires_in_minutes: 60 } });
}
