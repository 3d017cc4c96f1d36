import type { MailAccount } from '../../api.js';

/** The `<option>`s of a select that picks an account, each shown by its address. */
export function AccountOptions({ accounts }: { accounts: readonly MailAccount[] }) {
  return (
    <>
      {accounts.map((a) => (
        <option key={a.id} value={a.id}>
          {a.address}
        </option>
      ))}
    </>
  );
}
