// Shared by the declaration stories: the peer declares, we look at it.
import { useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import type { ReactNode } from 'react'
import { DiscoProvider, useDiscoClient } from '../../src/react/index.js'
import { useStatus, useWorld } from '../support/world.js'

/** Renders `children` in the peer's own DiscoProvider, with a checkbox that mounts and unmounts them. */
export function OnPeer({
  children,
  label,
  initiallyOn = true,
}: {
  children: ReactNode
  label: ReactNode
  initiallyOn?: boolean
}) {
  const { peer, jids } = useWorld()
  const [on, setOn] = useState(initiallyOn)
  return (
    <DiscoProvider client={peer}>
      <fieldset>
        <legend>
          On <code>{jids.peer}</code>
        </legend>
        <label>
          <input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} /> {label}
        </label>
        {on && children}
      </fieldset>
    </DiscoProvider>
  )
}

/** Renders `children(peerJid)` once the peer is online (live mode connects it). */
export function WhenPeerOnline({ children }: { children: (peer: string) => ReactNode }) {
  const { peer, jids } = useWorld()
  return useStatus(peer) === 'online' ? <>{children(jids.peer)}</> : <p>Waiting for the peer…</p>
}

/** Refetches every query of our client: declarations on the peer are seen at the next query. */
export function RefetchAll() {
  const client = useDiscoClient()
  const queryClient = useQueryClient(client.queryClient)
  return (
    <button type="button" onClick={() => void queryClient.refetchQueries()}>
      Refetch
    </button>
  )
}
