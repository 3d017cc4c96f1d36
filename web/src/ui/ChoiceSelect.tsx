import { Select, type SelectProps } from './Select.js';

/** A fixed choice a select offers: the value it sends and the words it shows. */
export interface Choice<V extends string = string> {
  value: V;
  label: string;
}

type Props<V extends string> = Omit<SelectProps<Choice<V>>, 'options' | 'valueOf' | 'labelOf' | 'value' | 'onChange' | 'none'> & {
  choices: readonly Choice<V>[];
  value: V;
  onChange(value: V): void;
};

/** A select over fixed choices; it offers nothing else, so what it reports is always one of their values. */
export function ChoiceSelect<V extends string>({ choices, onChange, ...select }: Props<V>) {
  return <Select {...select} options={choices} valueOf={(c) => c.value} labelOf={(c) => c.label} onChange={(value) => onChange(value as V)} />;
}
