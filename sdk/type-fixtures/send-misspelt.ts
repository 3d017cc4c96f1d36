// Compiled by test/integration/sdk-types.test.ts inside a build of the SDK: tsc must refuse
// the misspelt field ("subjet"), as the server would (MAILROOM_E_UNKNOWN_FIELD).
import { Mailroom } from './index.js';

export async function sendMisspelt(mailroom: Mailroom): Promise<void> {
  await mailroom.messages.send({ to: 'ann@example.net', subjet: 'Hi', text: 'Hello' });
}
