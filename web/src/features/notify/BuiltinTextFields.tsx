import { Field } from '../../ui/index.js';

/** Subject and plain-text body of a built-in rule, with the placeholders it fills in. */
export function BuiltinTextFields({ id, subject, body, placeholders, onSubject, onBody }: { id: string; subject: string; body: string; placeholders: string[]; onSubject(v: string): void; onBody(v: string): void }) {
  const names = placeholders.map((p) => `{${p}}`).join(', ');
  return (
    <>
      <Field label="Subject" id={`${id}-subject`} wide hint={`One line. ${names} are filled in as plain text.`}>
        <input id={`${id}-subject`} maxLength={200} value={subject} onChange={(e) => onSubject(e.target.value)} />
      </Field>
      <Field label="Body" id={`${id}-body`} wide hint={`Plain text. ${names} are filled in literally: never template code.`}>
        <textarea id={`${id}-body`} rows={7} maxLength={20000} value={body} onChange={(e) => onBody(e.target.value)} />
      </Field>
    </>
  );
}
