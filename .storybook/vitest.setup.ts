// Runs in the browser before the stories' tests (the "stories" Vitest project).
import { inject } from 'vitest'
import { page } from 'vitest/browser'
import type { LiveConfig } from '../stories/support/liveConfig.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test Prosody the global setup started (.storybook/vitest.global-setup.ts). */
    xmppLive: LiveConfig
    /** Absolute path of screenshots/. */
    screenshotDir: string
  }
}

// Live stories connect to the Prosody of this test run.
globalThis.__RXD_LIVE__ = inject('xmppLive')

globalThis.__rxdScreenshot = async (name, viewport) => {
  if (viewport) await page.viewport(viewport.width ?? 960, viewport.height ?? 720)
  // Let the last render and fonts settle before the picture.
  await new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)))
  await page.screenshot({ path: `${inject('screenshotDir')}/${name}.png` })
  if (viewport) await page.viewport(960, 720)
}
