/** JSON columns are text in both dialects; these keep the (de)serialisation in one place. */
export function toJson(v: unknown): string {
  return JSON.stringify(v ?? null);
}

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}

export const flag = (b: boolean): number => (b ? 1 : 0);
