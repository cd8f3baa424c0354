// Storybook for react-xmpp-disco, written by hand (no `storybook init`).
// Stories run against the simulated network of src/testing by default; the
// "Network" toolbar switches them to a live server over WebSocket.
import react from '@vitejs/plugin-react'
import type { StorybookConfig } from '@storybook/react-vite'
import { mergeConfig } from 'vite'

const config: StorybookConfig = {
  stories: ['../stories/**/*.mdx', '../stories/**/*.stories.@(ts|tsx)'],
  addons: ['@storybook/addon-docs', '@storybook/addon-vitest'],
  framework: { name: '@storybook/react-vite', options: {} },
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  typescript: { reactDocgen: 'react-docgen-typescript' },
  async viteFinal(viteConfig) {
    return mergeConfig(viteConfig, {
      plugins: [react()],
      // The preview bundles React, TanStack Query and xmpp.js: large by nature.
      build: { chunkSizeWarningLimit: 2000 },
      optimizeDeps: {
        // One copy of React and of the xmpp.js pieces: a second React gives
        // "Cannot read properties of null (reading 'useEffect')", a second
        // @xmpp/xml breaks @xmpp/iq's `instanceof xml.Element`.
        include: [
          'react',
          'react-dom',
          'react-dom/client',
          'react/jsx-runtime',
          'react/jsx-dev-runtime',
          '@tanstack/react-query',
          '@tanstack/query-core',
          '@xmpp/client',
          '@xmpp/xml',
          // Found late otherwise (src/core/xml.ts reads stored caps with it): Vite
          // re-optimises mid-run and reloads a story file, which then fails to import.
          '@xmpp/xml/lib/parse.js',
          '@xmpp/jid',
          '@xmpp/events',
          '@xmpp/middleware',
          '@xmpp/iq/caller.js',
          '@xmpp/iq/callee.js',
        ],
      },
    })
  },
}

export default config
