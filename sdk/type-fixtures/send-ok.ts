// Compiled by test/integration/sdk-types.test.ts inside a build of the SDK: must compile cleanly.
import { Mailroom, MailroomError, isSdkErrorCode, TIMEOUT, type MailroomErrorCode, type Message, type WaitErrorDetails } from './index.js';

export async function sendOk(mailroom: Mailroom): Promise<Message> {
  const { id } = await mailroom.messages.send({ to: ['Ann <ann@example.net>'], subject: 'Hi', text: 'Hello', purpose: 'alert', attachments: [{ filename: 'a.txt', contentBase64: 'aGk=' }] });
  for await (const m of mailroom.messages.list({ status: 'failed' })) console.log(m.id, m.status, m.lastError);
  try {
    return await mailroom.messages.waitFor(id, { until: ['sent'] });
  } catch (err) {
    const code: MailroomErrorCode | undefined = err instanceof MailroomError && !isSdkErrorCode(err.code) ? err.code : undefined;
    console.log(code);
    if (err instanceof MailroomError && (err.code === 'MAILROOM_SDK_INVALID_STATE' || err.code === TIMEOUT)) console.log((err.details as WaitErrorDetails).messageStatus);
    throw err;
  }
}
