// Compiled by test/integration/sdk-types.test.ts in an application (importing @mailroom/sdk) with
// exactOptionalPropertyTypes: must compile cleanly. Optional fields of what is sent (a message, an
// event, a filter), read from environment variables that may be unset (string | undefined), are
// taken as left out; the SDK sends no field for them.
import { Mailroom, type EmitEvent, type SendMessage } from '@mailroom/sdk';

export async function sendFromEnv(mailroom: Mailroom): Promise<void> {
  const message: SendMessage = {
    to: ['ann@example.net'],
    subject: 'Report',
    text: 'attached',
    cc: process.env.MAIL_CC,
    from: process.env.MAIL_FROM,
    purpose: process.env.MAIL_PURPOSE,
    idempotencyKey: process.env.MAIL_KEY,
    attachments: [{ filename: 'report.csv', contentBase64: 'YSxi', contentType: process.env.REPORT_TYPE }],
  };
  await mailroom.messages.send(message);
  await mailroom.messages.send({ to: 'ann@example.net', subject: 'Hi', text: 'Hello', cc: process.env.MAIL_CC, accountId: process.env.MAIL_ACCOUNT, locale: process.env.MAIL_LOCALE });
  const event: EmitEvent = { type: 'order.shipped', id: process.env.EVENT_ID, locale: process.env.EVENT_LOCALE, data: { order: 42 } };
  await mailroom.events.emit(event);
  await mailroom.events.emit({ type: 'order.shipped', id: process.env.EVENT_ID, data: { order: 42 } });
  // Filters are what is sent too (a query).
  for await (const m of mailroom.messages.list({ purpose: process.env.MAIL_PURPOSE, status: undefined })) console.log(m.id);
  for await (const e of mailroom.events.list({ type: process.env.EVENT_TYPE })) console.log(e.id);
  await mailroom.api.POST('/api/v1/messages', { body: { to: 'ann@example.net', subject: 'Hi', text: 'Hello', cc: process.env.MAIL_CC } });
}
