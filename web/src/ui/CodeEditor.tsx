import { useRef, type ChangeEvent } from 'react';

interface Props {
  id: string;
  value: string;
  onChange(value: string): void;
  rows?: number;
  /** 1-based line to mark in the gutter (a template error), if any. */
  errorLine?: number | null;
  /** The field has a problem (with or without a line): aria-invalid. */
  invalid?: boolean;
  describedBy?: string;
  readOnly?: boolean;
  placeholder?: string;
}

/**
 * A source editor for templates: a monospace textarea that does not wrap lines, with line
 * numbers beside it so "line 12, column 5" in an error can be found (and the line is marked).
 */
export function CodeEditor({ id, value, onChange, rows = 12, errorLine, invalid, describedBy, readOnly, placeholder }: Props) {
  const gutter = useRef<HTMLPreElement>(null);
  const count = Math.max(value.split('\n').length, rows);
  return (
    <div className="code-editor">
      <pre className="code-gutter" aria-hidden="true" ref={gutter}>
        {Array.from({ length: count }, (_, i) => (
          <span key={i} className={errorLine === i + 1 ? 'code-line-error' : undefined}>
            {i + 1}
            {'\n'}
          </span>
        ))}
      </pre>
      <textarea
        id={id}
        className="code-input"
        wrap="off"
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        rows={rows}
        value={value}
        readOnly={readOnly}
        placeholder={placeholder}
        aria-invalid={invalid || errorLine ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e: ChangeEvent<HTMLTextAreaElement>) => onChange(e.target.value)}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
      />
    </div>
  );
}

/** Puts the cursor at a line and column of the editor `id` and selects that line (from an error's "show"). */
export function showLine(id: string, line: number, column = 1): void {
  const el = document.getElementById(id) as HTMLTextAreaElement | HTMLInputElement | null;
  if (!el) return;
  const lines = el.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  const end = start + (lines[line - 1]?.length ?? 0);
  el.focus();
  el.setSelectionRange(Math.min(start + column - 1, end), end);
}
