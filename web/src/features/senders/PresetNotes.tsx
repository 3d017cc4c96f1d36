import { Notice } from '../../ui/index.js';
import type { Preset } from './presets.js';

/** A chosen preset's login, password and catch, kept in view while the admin fills in the forms it leads to. */
export function PresetNotes({ preset }: { preset: Preset | null }) {
  if (!preset || preset.notes.length === 0) return null;
  return (
    <Notice kind="info">
      <strong>{preset.name}:</strong>
      <ul className="tight">
        {preset.notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </Notice>
  );
}

/** The presets could not be loaded: the form still works by hand. */
export function PresetsUnavailable({ error }: { error: string }) {
  return <Notice kind="info">Presets are not available ({error}); enter your server by hand.</Notice>;
}
