import { fileURLToPath } from 'node:url'
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin'
import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'

// Debian's Chromium, never a downloaded browser (scripts/ensure-system-deps.mjs
// installs it); without the networking flags it floods the closed network.
const chromium = playwright({
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  },
  // Room for the largest screenshot viewport (parameters.screenshot, up to 1440 x 1400):
  // an iframe larger than the window is scaled down, and what lies below it is not painted.
  contextOptions: { viewport: { width: 1500, height: 1450 } },
})

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/core/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'react',
          include: ['test/react/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['test/helpers/setupReact.ts'],
          typecheck: { enabled: true, include: ['test/react/**/*.test-d.{ts,tsx}'] },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.{ts,tsx}'],
          environment: 'node',
          setupFiles: ['test/helpers/setupReact.ts'],
          // One Prosody per file; files run one after another so loopback
          // ports and the 2 cores are not fought over.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Node 20 has a global WebSocket (for @xmpp/websocket) only behind
          // this flag, and workers do not inherit CLI flags.
          execArgv: ['--experimental-websocket'],
        },
      },
      {
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          environment: 'node',
          // npm pack (a build), two installs, four type-checks and a Prosody:
          // about 40 s on a quiet machine, minutes on a busy one.
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        // Every story of stories/ played as a test in headless Chromium
        // (its play function asserts what the page shows).
        plugins: [storybookTest({ configDir: fileURLToPath(new URL('.storybook', import.meta.url)) })],
        test: {
          name: 'stories',
          globalSetup: ['.storybook/vitest.global-setup.ts'],
          setupFiles: ['.storybook/vitest.setup.ts'],
          provide: { screenshotDir: fileURLToPath(new URL('screenshots', import.meta.url)) },
          testTimeout: 30_000,
          hookTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: chromium,
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
})
