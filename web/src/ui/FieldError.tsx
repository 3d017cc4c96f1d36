/** The API's validation message beside the field it names (the summary box above says it too). */
export function FieldError({ id, message }: { id: string; message: string | null }) {
  if (!message) return null;
  return (
    <span className="field-error" id={id}>
      {message}
    </span>
  );
}

/** "aliases.1: …" → the part after the field name, which is what reads well beside the field. */
export function errorFor(field: string | null, error: string | null, prefix: string): string | null {
  if (!field || !error || !(field === prefix || field.startsWith(`${prefix}.`))) return null;
  return error.replace(/^[\w.[\]]+:\s*/, '');
}
