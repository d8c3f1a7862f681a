import { defineConfig } from '@playwright/test'

/**
 * Browser end-to-end tests: the built SPA served by the real relay, in Debian's Chromium
 * (Playwright cannot download its own browser here). globalSetup starts the relays and the
 * fake LLM on loopback ports.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  globalSetup: './tests/e2e/global-setup.ts',
  // One at a time on this two-core machine: two side by side starve each other's audio and
  // encoders (measured: recordings and on-device recognition fail). Each worker has its own relays
  // and fakes (global-setup.ts), so E2E_WORKERS=4 on a machine with the cores for it is safe.
  workers: Number(process.env.E2E_WORKERS) || 1,
  fullyParallel: false,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
        '--enable-unsafe-webgpu',
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
  },
})
