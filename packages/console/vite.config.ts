// The console is served by the admin server under /console/ and shipped inside the palisade
// package (packages/palisade/console-web), so the build writes there.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: '../palisade/console-web',
    emptyOutDir: true,
    // The CSP is `default-src 'self'`: never inline assets as data: URLs or scripts.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: { '/console/api': 'http://127.0.0.1:9000' },
  },
});
