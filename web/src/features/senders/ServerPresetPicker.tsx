import { useResource } from '../../hooks.js';
import { Field } from '../../ui/index.js';
import { PresetNotes, PresetsUnavailable } from './PresetNotes.js';
import { loadPresets, type Preset } from './presets.js';

/**
 * "Use a preset" on the Add mail server page: the admin guide and the setup banner send admins
 * to Servers for a provider preset, so the page offers the wizard's presets. Choosing one
 * starts the form afresh from it (name, host, port, encryption) and keeps its catch in view.
 */
export function ServerPresetPicker({ chosen, onChoose }: { chosen: Preset | null; onChoose: (p: Preset | null) => void }) {
  const presets = useResource(loadPresets, []);
  if (presets.error) return <PresetsUnavailable error={presets.error} />;
  const list = presets.data ?? [];
  return (
    <section className="card" aria-labelledby="srv-preset-h">
      <h2 id="srv-preset-h">Provider</h2>
      <div className="form-grid">
        <Field label="Use a preset" id="srv-preset" hint="Fills in the name, host, port and encryption below (replacing what is there) and shows the provider's catch.">
          <select id="srv-preset" value={chosen?.id ?? ''} disabled={presets.loading} onChange={(e) => onChoose(list.find((p) => p.id === e.target.value) ?? null)}>
            <option value="">None: enter the server by hand</option>
            {list.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <PresetNotes preset={chosen} />
    </section>
  );
}
