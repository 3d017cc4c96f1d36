import type { Purpose } from '../../api.js';
import { Select, type SelectProps } from '../../ui/index.js';

type Props = Omit<SelectProps<Purpose>, 'options' | 'valueOf' | 'labelOf'> & {
  purposes: readonly Purpose[];
  /** Where a switched-off purpose may be picked but sends nothing (an SMTP credential's). */
  markSwitchedOff?: boolean;
};

/** A select that picks a purpose by its key. */
export function PurposeSelect({ purposes, markSwitchedOff, ...select }: Props) {
  return <Select {...select} options={purposes} valueOf={(p) => p.key} labelOf={(p) => (markSwitchedOff && !p.enabled ? `${p.key} (switched off)` : p.key)} />;
}
