import type { Decorator, Preview } from '@storybook/react-vite'
import { WorldProvider } from '../stories/support/world.js'
import type { NetworkMode, WorldParameters } from '../stories/support/world.js'
import '../stories/stories.css'

/** `parameters.screenshot` of a story tagged "screenshot": the viewport of its picture (default 960 x 720). */
export interface ScreenshotParameters {
  width?: number
  height?: number
}

declare global {
  /** Set by .storybook/vitest.setup.ts when the stories run as tests: saves a PNG of the page. */
  var __rxdScreenshot: ((name: string, viewport?: ScreenshotParameters) => Promise<void>) | undefined
}

// One fresh world per story: simulated network (or live clients), xmpp
// client entity and QueryClient, with the story inside its DiscoProvider.
const withWorld: Decorator = (Story, context) => {
  const mode: NetworkMode = context.globals.network === 'live' ? 'live' : 'simulated'
  const parameters = (context.parameters.world ?? {}) as WorldParameters
  return (
    <WorldProvider key={`${context.id}:${mode}`} mode={mode} parameters={parameters}>
      <Story />
    </WorldProvider>
  )
}

const preview: Preview = {
  decorators: [withWorld],
  globalTypes: {
    network: {
      description: 'Where the stories’ XMPP client connects',
      toolbar: {
        title: 'Network',
        icon: 'globe',
        items: [
          { value: 'simulated', title: 'Simulated network (no server)' },
          { value: 'live', title: 'Live server over WebSocket (npm run prosody)' },
        ],
        dynamicTitle: true,
      },
    },
  },
  initialGlobals: { network: 'simulated' },
  parameters: {
    layout: 'padded',
    controls: { expanded: true },
    options: {
      // `npm start` opens on the first story: the showcase.
      storySort: { order: ['Showcase', 'Introduction', 'Devtools', 'Components', 'Hooks', 'Entity capabilities'] },
    },
  },
  async afterEach(context) {
    // Stories tagged "screenshot" leave a PNG in screenshots/ when run as tests.
    if (context.tags.includes('screenshot')) {
      await globalThis.__rxdScreenshot?.(context.id, context.parameters.screenshot as ScreenshotParameters | undefined)
    }
  },
}

export default preview
