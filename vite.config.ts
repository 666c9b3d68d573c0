import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src/client',
  build: { outDir: '../../dist/client', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/joinCall': 'http://localhost:5000', '/idLookup': 'http://localhost:5000', '/ws': { target: 'ws://localhost:5000', ws: true } } },
});
