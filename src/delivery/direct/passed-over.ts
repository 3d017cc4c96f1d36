/**
 * The exchangers one domain's transaction passed over, each with why, as the attempt's route
 * records them. A domain may list hundreds of MX records: the route keeps the first
 * KEPT_IN_ROUTE and counts the rest, and the response (the recipients' reply, the message's
 * last error) quotes only the first few, so a hostile zone cannot fill the attempt log.
 */
const KEPT_IN_ROUTE = 10;
const QUOTED_IN_RESPONSE = 3;

export class PassedOver {
  private readonly kept: string[] = [];
  private more = 0;

  add(why: string): void {
    if (this.kept.length < KEPT_IN_ROUTE) this.kept.push(why);
    else this.more++;
  }

  get size(): number {
    return this.kept.length + this.more;
  }

  /** The route's `skipped`: the first ones, and how many more when there were. */
  list(): string[] {
    return this.more ? [...this.kept, `and ${this.more} more`] : [...this.kept];
  }

  /** One line for a response: the first few, and how many more. */
  summary(): string {
    const rest = this.size - QUOTED_IN_RESPONSE;
    const shown = this.kept.slice(0, QUOTED_IN_RESPONSE).join('; ');
    return rest > 0 ? `${shown}; and ${rest} more` : shown;
  }
}
