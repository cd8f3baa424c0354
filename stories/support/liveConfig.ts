// Where live stories connect. Under `npm run test:stories` the test run starts
// its own Prosody and hands its address to the browser (globalThis.__RXD_LIVE__,
// set by .storybook/vitest.setup.ts). In `npm start` the defaults are those of
// `npm run prosody`; STORYBOOK_XMPP_* environment variables override them.

export interface LiveAccount {
  username: string
  password: string
}

export interface LiveConfig {
  /** WebSocket endpoint, e.g. ws://127.0.0.1:5280/xmpp-websocket. */
  service: string
  /** The XMPP domain of the accounts. */
  domain: string
  /** The account the stories' DiscoProvider uses. */
  me: LiveAccount
  /** A second account, for stories where one client looks at another. */
  peer: LiveAccount
}

declare global {
  var __RXD_LIVE__: LiveConfig | undefined
}

export function liveConfig(): LiveConfig {
  if (globalThis.__RXD_LIVE__) return globalThis.__RXD_LIVE__
  const env = (import.meta as { env?: Record<string, string | undefined> }).env ?? {}
  const password = env.STORYBOOK_XMPP_PASSWORD ?? 'secret'
  return {
    service: env.STORYBOOK_XMPP_SERVICE ?? 'ws://127.0.0.1:5280/xmpp-websocket',
    domain: env.STORYBOOK_XMPP_DOMAIN ?? 'localhost',
    me: { username: env.STORYBOOK_XMPP_USER ?? 'alice', password },
    peer: { username: env.STORYBOOK_XMPP_PEER ?? 'bob', password: env.STORYBOOK_XMPP_PEER_PASSWORD ?? password },
  }
}
