// Global setup of the "stories" Vitest project (runs in Node): a throwaway
// Prosody on loopback for the live stories, its address handed to the browser.
import type { TestProject } from 'vitest/node'
import { startProsody } from '../scripts/prosody-lib.mjs'

const PASSWORD = 'secret'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startProsody({
    users: [
      { username: 'alice', password: PASSWORD },
      { username: 'bob', password: PASSWORD },
    ],
  })
  project.provide('xmppLive', {
    service: server.wsUrl,
    domain: server.host,
    me: { username: 'alice', password: PASSWORD },
    peer: { username: 'bob', password: PASSWORD },
  })
  return () => server.stop()
}
