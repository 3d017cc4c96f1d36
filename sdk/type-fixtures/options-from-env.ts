// Compiled by test/integration/sdk-types.test.ts in an application (importing @mailroom/sdk) with
// exactOptionalPropertyTypes: must compile cleanly. Optional settings read from the environment,
// which may be unset (string | undefined), are taken as left out.
import { Mailroom, type Message, type MessagePage, type RetryOptions, type WaitOptions } from '@mailroom/sdk';

const numberOf = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));

export async function optionsFromEnv(lastPage: MessagePage): Promise<Message> {
  const retry: RetryOptions = {
    attempts: numberOf(process.env.MAILROOM_RETRY_ATTEMPTS),
    baseDelayMs: numberOf(process.env.MAILROOM_RETRY_BASE_DELAY_MS),
    maxDelayMs: numberOf(process.env.MAILROOM_RETRY_MAX_DELAY_MS),
  };
  const mailroom = new Mailroom({
    url: process.env.MAILROOM_URL ?? 'http://127.0.0.1:8025',
    apiKey: process.env.MAILROOM_API_KEY ?? '',
    webhookSecret: process.env.MAILROOM_WEBHOOK_SECRET,
    userAgent: process.env.MAILROOM_USER_AGENT,
    retry: process.env.MAILROOM_NO_RETRY ? false : retry,
    fetch: undefined,
  });
  // A cursor kept from the last page: null on the last one.
  await mailroom.messages.page({ cursor: lastPage.nextCursor ?? undefined });
  await mailroom.events.page({ cursor: lastPage.nextCursor ?? undefined });
  await mailroom.suppressions.page({ cursor: lastPage.nextCursor ?? undefined });
  const wait: WaitOptions = { until: undefined, timeoutMs: numberOf(process.env.MAILROOM_WAIT_MS), intervalMs: numberOf(process.env.MAILROOM_WAIT_INTERVAL_MS) };
  return mailroom.messages.waitFor('msg_1', wait);
}
