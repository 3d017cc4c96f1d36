/** Dates arrive as ISO strings or epoch milliseconds; show them in the reader's locale. */
export function formatDate(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * A date for a table cell: the time today, month and day this year, the date before that
 * (the full date and time go in the cell's title).
 */
export function formatShortDate(v: string | number | null | undefined, now = new Date()): string {
  if (v === null || v === undefined || v === '') return '—';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  const time = { hour: '2-digit', minute: '2-digit' } as const;
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString(undefined, time);
  if (d.getFullYear() === now.getFullYear()) return d.toLocaleString(undefined, { month: 'short', day: 'numeric', ...time });
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** A size in bytes as people read it: 512 B, 4.2 KiB, 10 MiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined) return '—';
  if (sec % 86_400 === 0) return `${sec / 86_400} d`;
  if (sec % 3600 === 0) return `${sec / 3600} h`;
  if (sec % 60 === 0) return `${sec / 60} min`;
  return `${sec} s`;
}

/** "a@x, b@y" → ["a@x", "b@y"]: for list fields typed into one input. */
export function splitList(s: string): string[] {
  return s
    .split(/[,;\n]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * "Ann <a@x>, \"Doe, John\" <jd@y>" → ["Ann <a@x>", "\"Doe, John\" <jd@y>"]: an address list
 * typed into one input, split at commas, semicolons and line breaks outside a quoted name and
 * outside angle brackets (the API shows a name with a comma quoted, so a list it gave splits
 * back into the same addresses). The API judges each address.
 */
export function splitAddresses(s: string): string[] {
  const out: string[] = [];
  let item = '';
  let quoted = false;
  let angle = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted && c === '\\' && i + 1 < s.length) {
      item += c + s[++i];
      continue;
    }
    if (c === '"' && !angle) quoted = !quoted;
    else if (!quoted && c === '<') angle = true;
    else if (!quoted && c === '>') angle = false;
    else if (!quoted && !angle && (c === ',' || c === ';' || c === '\n')) {
      out.push(item);
      item = '';
      continue;
    }
    item += c;
  }
  out.push(item);
  return out.map((x) => x.trim()).filter(Boolean);
}

export function pretty(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 2);
}

/** "550 5.1.1 No such user": the code and enhanced code once, even when the reply text repeats them. */
export function smtpReply(code: number | string | null | undefined, enhanced: string | null | undefined, response: string | null | undefined): string {
  const r = (response ?? '').trim();
  const prefix = [code, enhanced].filter((x) => x !== null && x !== undefined && x !== '' && !r.includes(String(x))).join(' ');
  return [prefix, r].filter(Boolean).join(' ');
}

/** "45 s", "2 min", "1 h 5 min", "3 d": how long, in the largest units that still say something. */
export function formatAge(sec: number): string {
  if (sec < 60) return `${sec} s`;
  if (sec < 3600) return `${Math.floor(sec / 60)} min`;
  if (sec < 86_400) {
    const min = Math.floor((sec % 3600) / 60);
    return `${Math.floor(sec / 3600)} h${min ? ` ${min} min` : ''}`;
  }
  return `${Math.floor(sec / 86_400)} d`;
}

/** "3 d ago", "in 2 h", "just now": a moment relative to `now` (epoch ms). */
export function formatRelative(v: string | number, now: number): string {
  const sec = Math.round((new Date(v).getTime() - now) / 1000);
  if (Math.abs(sec) < 60) return 'just now';
  return sec < 0 ? `${formatAge(-sec)} ago` : `in ${formatAge(sec)}`;
}

/** "a, b or c": a short list of alternatives in a sentence. */
export function listed(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** "fromName" → "from name", "smtp.requireTls" → "smtp › require tls", "conditions.0.op" → "conditions 1 › op". */
export function fieldInWords(path: string): string {
  return path
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? String(Number(part) + 1) : part.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase()))
    .join(' › ')
    .replace(/ › (\d+)(?= › |$)/g, ' $1');
}
