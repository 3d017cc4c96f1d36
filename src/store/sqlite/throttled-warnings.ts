// Moved to src/core/kernel/throttled-warnings.ts (the HTTP layer uses it too, and may not import the store).
export { throttledWarnings, WARN_AGAIN_AFTER_MS } from '../../core/kernel/throttled-warnings.js';
