import v8 from 'node:v8';

/**
 * V8 optimises a function once it has run through a budget of bytecode (`--interrupt-budget`,
 * 67,584 bytes on Node 20); until then it runs interpreted or as baseline code, several times
 * slower. A fresh Mailroom process paid for that on its first thousands of messages: in one
 * `npm run bench -- --messages 10000 --postgres … --workers 1 --scale --worker-warmup 10000`
 * run the same process sent its third 10,000 at ~2/3 of the CPU per message of its first. A
 * quarter of the budget lets the hot paths (HTTP, validation, the store's statements, the SMTP
 * thread) reach optimised code sooner: a median 12 % less CPU per message over a process's
 * first 10,000 messages (lower in 9 of 11 alternating pairs), level over 20,000. V8 optimises more for it (1,012 compilations and
 * 124 deoptimisations in one 10,000-message run, against 766 and 66), which the run pays back.
 * The flag is process-wide, so the SMTP thread gets it too. Set here, before any of Mailroom's
 * own modules is evaluated (main.ts imports this module first); a budget given on Node's command
 * line wins, in either of V8's spellings (`--interrupt-budget=`, `--interrupt_budget=`). The
 * command line is the only place: Node refuses V8's tiering flags in NODE_OPTIONS.
 */
export const INTERRUPT_BUDGET = 16_896;

if (!process.execArgv.some((a) => /^--interrupt[-_]budget=/.test(a))) v8.setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
