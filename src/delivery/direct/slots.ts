/**
 * Connections at once, per key (a destination domain) and in all: a transaction waits for a
 * free slot rather than opening one connection too many (per-domain concurrency, as Postfix's
 * destination concurrency limit). Slots are released in the order they were asked for.
 */
export class Slots {
  private used = new Map<string, number>();
  private total = 0;
  private waiting: { key: string; limit: number; go: () => void }[] = [];

  constructor(private readonly maxTotal: () => number) {}

  async take(key: string, limit: number): Promise<() => void> {
    if (this.free(key, limit)) this.count(key);
    else await new Promise<void>((go) => this.waiting.push({ key, limit, go }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const n = (this.used.get(key) ?? 1) - 1;
      if (n) this.used.set(key, n);
      else this.used.delete(key);
      this.wakeNext();
    };
  }

  private count(key: string): void {
    this.used.set(key, (this.used.get(key) ?? 0) + 1);
    this.total++;
  }

  private free(key: string, limit: number): boolean {
    return this.total < this.maxTotal() && (this.used.get(key) ?? 0) < limit;
  }

  private wakeNext(): void {
    const i = this.waiting.findIndex((w) => this.free(w.key, w.limit));
    if (i < 0) return;
    const [w] = this.waiting.splice(i, 1);
    // Counted here, before it resumes, so nobody takes the slot in between.
    this.count(w.key);
    w.go();
  }
}
