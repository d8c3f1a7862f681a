import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { VitePWA } from 'vite-plugin-pwa'
import { defineConfig } from 'vitest/config'
import { buildStamp } from './scripts/build-stamp.mjs'
import { vendorAssets } from './scripts/vendor-assets.ts'

// Where `npm run dev` finds the relay; scripts/dev.mjs starts it on this port.
const relayPort = process.env.PORT ?? '8787'

export default defineConfig(({ mode }) => ({
  root: 'web',
  publicDir: '../public',
  // buildStamp: what the build was made with, so that `npm start` rebuilds one made for elsewhere.
  plugins: [
    react(),
    vendorAssets(),
    buildStamp(),
    // The service worker (web/sw.ts): offline after one visit, private sessions' policy, the
    // network ledger. Workbox precaches the app shell; the large WebAssembly files are cached
    // when first used instead (the sw's runtime cache), so a first visit does not fetch them all.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: '.',
      filename: 'sw.ts',
      injectRegister: false,
      manifestFilename: 'manifest.webmanifest',
      manifest: {
        name: 'Parley',
        short_name: 'Parley',
        description: 'Talk with a digital human — on this device, or through your relay.',
        start_url: '/',
        display: 'standalone',
        background_color: '#0f1115',
        theme_color: '#0f1115',
        icons: [
          { src: '/icons/parley-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/parley-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      injectManifest: { globPatterns: ['**/*.{js,css,html,svg,png,json,webmanifest}'], globIgnores: ['bench/**', 'build-settings.json'], maximumFileSizeToCacheInBytes: 8 * 1024 * 1024 },
    }),
  ],
  resolve: {
    // eSpeak NG is GPL-3.0: an optional, separate worker asset. PARLEY_ESPEAK=off builds without it.
    alias: process.env.PARLEY_ESPEAK === 'off' ? [{ find: /^\.\.\/voice-workers\.ts$/, replacement: fileURLToPath(new URL('web/engines/tts/voice-workers.off.ts', import.meta.url)) }] : [],
  },
  worker: { format: 'es' },
  // Their WebAssembly and workers must stay where they are, not be pre-bundled.
  optimizeDeps: { exclude: ['onnxruntime-web', '@ricky0123/vad-web', '@huggingface/transformers', 'espeak-ng'] },
  build: {
    // `--mode bench` adds the benchmark page and builds into its own folder (npm run bench).
    outDir: mode === 'bench' ? '../build/bench' : '../dist',
    emptyOutDir: true,
    target: 'es2023',
    // The avatar lab (/lab/avatar.html) ships too: a preview page for avatar authors.
    rollupOptions: { input: { main: 'web/index.html', lab: 'web/lab/avatar.html', sessionLab: 'web/lab/session.html', ...(mode === 'bench' ? { bench: 'web/bench/index.html' } : {}) } },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: false,
    proxy: {
      '/api': { target: `http://127.0.0.1:${relayPort}`, ws: true, changeOrigin: false },
    },
  },
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          root: '.',
          environment: 'node',
          include: ['web/**/*.test.ts', 'relay/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          root: '.',
          environment: 'node',
          include: ['tests/integration/**/*.test.ts'],
          // The soak measures memory: it runs on its own, after everything else (npm test).
          exclude: ['tests/integration/soak.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'soak',
          root: '.',
          environment: 'node',
          include: ['tests/integration/soak.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
}))
