import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built by `npm run build` (vite build web) into web/dist, which the Mailroom server serves at /.
// `npx vite web` runs a dev server that forwards the API to a Mailroom on its default port.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': 'http://127.0.0.1:8025' } },
});
