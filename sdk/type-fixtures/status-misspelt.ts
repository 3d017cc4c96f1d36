// Compiled by test/integration/sdk-types.test.ts: a status that does not exist is refused.
import { Mailroom } from './index.js';

export async function waitMisspelt(mailroom: Mailroom): Promise<void> {
  await mailroom.messages.waitFor('msg_1', { until: ['delivered'] });
}
