import { Badge } from '../../ui/index.js';
import type { SettingView } from './settings.js';

/** Where a setting's value comes from beside its field, and whether the environment locks it. */
export function SettingSourceBadge({ view }: { view: SettingView | undefined }) {
  if (!view) return null;
  return <Badge kind={view.source === 'env' ? 'info' : 'neutral'}>{view.locked ? `locked · ${view.source}` : view.source}</Badge>;
}
