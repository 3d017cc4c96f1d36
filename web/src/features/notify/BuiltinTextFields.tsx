import { Field, FieldError } from '../../ui/index.js';

/** Subject and plain-text body of a built-in rule, with the placeholders it fills in; `errorAt` gives the API's refusal of one. */
export function BuiltinTextFields({ id, subject, body, placeholders, onSubject, onBody, errorAt }: { id: string; subject: string; body: string; placeholders: string[]; onSubject(v: string): void; onBody(v: string): void; errorAt(field: 'subject' | 'body'): string | null }) {
  const names = placeholders.map((p) => `{${p}}`).join(', ');
  const subjectError = errorAt('subject');
  const bodyError = errorAt('body');
  return (
    <>
      <Field label="Subject" id={`${id}-subject`} wide hint={`One line. ${names} are filled in as plain text.`}>
        <input id={`${id}-subject`} maxLength={200} value={subject} onChange={(e) => onSubject(e.target.value)} aria-invalid={subjectError ? true : undefined} />
        <FieldError id={`${id}-subject-err`} message={subjectError} />
      </Field>
      <Field label="Body" id={`${id}-body`} wide hint={`Plain text. ${names} are filled in literally: never template code.`}>
        <textarea id={`${id}-body`} rows={7} maxLength={20000} value={body} onChange={(e) => onBody(e.target.value)} aria-invalid={bodyError ? true : undefined} />
        <FieldError id={`${id}-body-err`} message={bodyError} />
      </Field>
    </>
  );
}
