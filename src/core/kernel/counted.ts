/** "1 message", "2 messages": a count with its noun as a sentence says it (regular plurals only). */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
