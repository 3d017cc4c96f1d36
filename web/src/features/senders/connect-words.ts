/**
 * What a failed "Connect" says when the account's lastConnect has no word on it: on the
 * Accounts list (the sign-in named no account Mailroom knows), or for a browser that did not
 * start it (nothing is recorded for that one). The reason comes from the address, which anyone
 * can write: only a short word of letters, digits and "_" is shown.
 */
export function connectWords(reason: string | null, provider: string): { message: string; hint: string | null } {
  const again = `press Connect with ${provider} again`;
  switch (reason) {
    case 'unknown':
      return {
        message: 'Mailroom does not know this sign-in: it was not started from this Mailroom, or it ended more than a day ago. Nothing was stored.',
        hint: 'Open the account and press Connect again; finish the sign-in within 10 minutes.',
      };
    case 'other_browser':
      return { message: `This sign-in was started in another browser (or its cookie was cleared), so nothing was stored: ${again} here and finish the sign-in in this browser.`, hint: null };
    case 'not_permitted':
      return { message: 'Whoever pressed Connect may no longer change accounts (their role changed, they were disabled or deleted, or the key was revoked): nothing was stored.', hint: `An admin can ${again}.` };
    case 'MAILROOM_E_NOT_FOUND':
      return { message: 'The account was deleted while you signed in: nothing was stored.', hint: null };
    default: {
      const word = reason && /^[A-Za-z0-9_]{1,64}$/.test(reason) ? ` (${reason})` : '';
      return { message: `Connecting failed${word}: ${again}.`, hint: 'If it fails again, this page says why, and Check token shows the provider’s answer.' };
    }
  }
}
