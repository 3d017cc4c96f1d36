/**
 * A value read from a file or from an environment variable filled from one (Docker and Kubernetes
 * secrets, `$(cat file)` keeps none but `export X="$(cat f)\n"` and many tools do) often ends in a
 * line break nobody typed: a password kept with it is one nobody can type. One trailing line
 * ending is dropped; anything else in the value is the value.
 */
export function withoutTrailingLineEnding(value: string): string {
  return value.replace(/\r?\n$/, '');
}
