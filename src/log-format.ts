import type { DestinationStream } from 'pino';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '90', 30: '36', 40: '33', 50: '31', 60: '31' };
/** pino's own fields, shown in the line's head rather than as key=value. */
const HEAD = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  if (v && typeof v === 'object' && 'message' in v && 'type' in v) return JSON.stringify((v as { message: unknown }).message);
  return JSON.stringify(v);
}

/**
 * Log lines for a person at a terminal: "12:00:01 WARN  message key=value", coloured when
 * `color`. Fed pino's JSON lines (one object per write); anything else passes through as is.
 * Used only when a terminal is attached: otherwise the log stays JSON, for collectors.
 */
export function prettyLines(out: { write(s: string): unknown }, color: boolean): DestinationStream {
  return {
    write(line: string) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const level = Number(o.level);
      const time = new Date(Number(o.time) || Date.now()).toTimeString().slice(0, 8);
      const name = LEVELS[level] ?? String(o.level);
      const head = color ? `\x1b[90m${time}\x1b[0m \x1b[${COLORS[level] ?? '0'}m${name}\x1b[0m` : `${time} ${name}`;
      const rest = Object.entries(o)
        .filter(([k]) => !HEAD.has(k))
        .map(([k, v]) => `${k}=${value(v)}`)
        .join(' ');
      out.write(`${head} ${String(o.msg ?? '')}${rest ? ` ${color ? `\x1b[90m${rest}\x1b[0m` : rest}` : ''}\n`);
    },
  };
}
