import type { MailAccount } from '../../api.js';
import { Select, type SelectProps } from '../../ui/index.js';

type Props = Omit<SelectProps<MailAccount>, 'options' | 'valueOf' | 'labelOf'> & {
  accounts: readonly MailAccount[];
  /** Where a switched-off account may be picked but deserves a second look (the default sender). */
  markInactive?: boolean;
};

/** A select that picks an account by id, each shown by its address. */
export function AccountSelect({ accounts, markInactive, ...select }: Props) {
  return <Select {...select} options={accounts} valueOf={(a) => a.id} labelOf={(a) => (markInactive && !a.active ? `${a.address} (inactive)` : a.address)} />;
}
