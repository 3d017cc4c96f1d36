import { useRef, useState } from 'react';

const UNITS = [
  { label: 'seconds', one: 'second', sec: 1 },
  { label: 'minutes', one: 'minute', sec: 60 },
  { label: 'hours', one: 'hour', sec: 3_600 },
  { label: 'days', one: 'day', sec: 86_400 },
] as const;

/** "1 minute", "90 seconds": `count` of the unit that is `unit` seconds long. */
function inUnit(count: number | string, unit: number): string {
  const u = UNITS.find((x) => x.sec === unit) ?? UNITS[0];
  return `${count} ${Number(count) === 1 ? u.one : u.label}`;
}

/** A limit in the unit on screen, and in its own unit beside when that reads better ("2592000 seconds (30 days)"). */
function limitIn(seconds: number, unit: number): string {
  const own = unitFor(seconds);
  if (seconds % unit !== 0) return inUnit(seconds / own, own);
  return own === unit ? inUnit(seconds / unit, unit) : `${inUnit(seconds / unit, unit)} (${inUnit(seconds / own, own)})`;
}

/** The seconds `text` stands for in `unit` (null: empty); rounded to a millionth, so 1.1 hours is 3960, not 3960.0000000000005. */
function secondsOf(text: string, unit: number): number | null {
  if (text.trim() === '') return null;
  return Math.round(Number(text) * unit * 1e6) / 1e6;
}

/**
 * Why the number typed cannot be saved, said in the unit on screen ("must be at least 60 seconds
 * (1 minute): it is 30 seconds"); null when it can. The API keeps whole seconds within its limits.
 */
function problemOf(text: string, unit: number, limits: { minSeconds: number; maxSeconds?: number; allowEmpty?: boolean }): string | null {
  const seconds = secondsOf(text, unit);
  if (seconds === null) return limits.allowEmpty ? null : 'is required';
  if (!Number.isFinite(seconds)) return `"${text}" is not a number`;
  const typed = inUnit(text, unit);
  if (seconds < limits.minSeconds) return `must be at least ${limitIn(limits.minSeconds, unit)}: it is ${typed}`;
  if (limits.maxSeconds !== undefined && seconds > limits.maxSeconds) return `must be at most ${limitIn(limits.maxSeconds, unit)}: it is ${typed}`;
  if (!Number.isInteger(seconds)) return unit === 1 ? `must be a whole number of seconds: it is ${typed}` : `must come to whole seconds: ${typed} is ${seconds} seconds`;
  return null;
}

/** The largest unit that shows `seconds` as a whole number (3 days, not 259200 seconds). */
function unitFor(seconds: number | null): number {
  if (!seconds) return 60;
  return [...UNITS].reverse().find((u) => seconds % u.sec === 0)?.sec ?? 1;
}

/** Whether `seconds` reads well in `unit`: a whole number, or one with a few decimals someone typed (1.5 hours). */
function tidy(seconds: number | null, unit: number): boolean {
  if (seconds === null) return true;
  const thousandths = (seconds / unit) * 1000;
  return Math.abs(thousandths - Math.round(thousandths)) < 1e-6;
}

/**
 * A length of time typed as a number and a unit; the API keeps seconds. Empty means "none"
 * when `allowEmpty` (e.g. "use the server's default").
 *
 * Choosing another unit keeps the number and changes the duration: "10" then "hours" is 10 hours,
 * as the box and the unit read together say. The same holds for a value loaded from the server:
 * it is shown whole in its largest unit (3 days), so someone who wants that duration has nothing
 * to change, while someone who picks another unit is changing it; converting instead would replace
 * the number they see with one nobody typed (0.1666… hours for 10 minutes). A value set from
 * outside (a form put back to what was loaded) that the chosen unit cannot show tidily is shown in
 * its own unit instead.
 *
 * The number stays as typed: 0.5 seconds is not rounded to 1 behind the admin's back. `onChange`
 * gets the seconds it stands for and, when they cannot be saved (below `minSeconds`, above
 * `maxSeconds`, a fraction of a second), why, in the unit on screen, for the form to say at Save.
 */
export function DurationInput({
  id,
  seconds,
  onChange,
  minSeconds = 1,
  maxSeconds,
  allowEmpty,
  placeholder,
  disabled,
  describedBy,
  invalid,
}: {
  id: string;
  seconds: number | null;
  onChange: (seconds: number | null, problem: string | null) => void;
  minSeconds?: number;
  maxSeconds?: number;
  allowEmpty?: boolean;
  placeholder?: string;
  disabled?: boolean;
  describedBy?: string;
  /** The value is refused: the number is marked invalid (a FieldError beside it is read with it and takes the focus). */
  invalid?: boolean;
}) {
  const [chosen, setUnit] = useState(() => unitFor(seconds));
  // What this input last gave its form, and the text it came from: any other value was set from outside (an Undo, a reset).
  const emitted = useRef<{ seconds: number | null; text: string } | undefined>(undefined);
  const emit = (text: string, unit: number) => {
    const value = secondsOf(text, unit) ?? (allowEmpty ? null : 0);
    emitted.current = { seconds: value, text };
    onChange(value, problemOf(text, unit, { minSeconds, maxSeconds, allowEmpty }));
  };
  const own = emitted.current?.seconds === seconds ? emitted.current : undefined;
  // A value set from outside that the chosen unit cannot show tidily is shown in its own unit,
  // and that unit becomes the chosen one, so what is typed next is read in the unit on screen.
  // A value typed here keeps the unit it was typed in, tidy or not.
  const unit = own || tidy(seconds, chosen) ? chosen : unitFor(seconds);
  if (unit !== chosen) setUnit(unit);
  const shown = own ? own.text : seconds === null ? '' : String(seconds / unit);
  return (
    <span className="duration-input">
      <input
        id={id}
        type="number"
        min={minSeconds / unit}
        max={maxSeconds === undefined ? undefined : maxSeconds / unit}
        step="any"
        value={shown}
        placeholder={placeholder}
        disabled={disabled}
        aria-describedby={describedBy}
        aria-invalid={invalid ? true : undefined}
        required={!allowEmpty}
        onChange={(e) => emit(e.target.value, unit)}
      />
      <select
        aria-label="unit"
        value={unit}
        disabled={disabled}
        onChange={(e) => {
          const next = Number(e.target.value);
          setUnit(next);
          // The number shown stays; the duration becomes that many of the new unit.
          if (shown !== '') emit(shown, next);
        }}
      >
        {UNITS.map((u) => (
          <option key={u.sec} value={u.sec}>
            {u.label}
          </option>
        ))}
      </select>
    </span>
  );
}
