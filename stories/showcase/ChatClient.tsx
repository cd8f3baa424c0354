// A small chat client on the simulated network: what the library is for. Its
// UI adapts to what contacts and services support (disco#info through entity
// caps), and what it declares itself (<Feature>) reaches the others live.
import { useState } from 'react'
import { DiscoDevtools } from '../../src/devtools/index.js'
import { Identity, SoftwareInfo } from '../../src/react/index.js'
import { useStatus, useWorld } from '../support/world.js'
import { Conversation } from './Conversation.js'
import { PeerView } from './PeerView.js'
import { usePresences } from './presenceBook.js'
import { Avatar, Roster } from './Roster.js'
import { ServerPanel } from './ServerPanel.js'
import { useVerona } from './useVerona.js'
import { CONTACTS, MONTAGUE_CHAT } from './verona.js'
import { YourClient } from './YourClient.js'
import './showcase.css'

export interface ChatClientProps {
  /** Show <DiscoDevtools> under the app. */
  devtools?: boolean
}

export function ChatClient({ devtools = true }: ChatClientProps) {
  const { me, jids } = useWorld()
  const status = useStatus(me)
  const presences = usePresences(me)
  const verona = useVerona()
  const [selected, setSelected] = useState(CONTACTS[0]?.jid ?? '')
  const contact = CONTACTS.find((c) => c.jid === selected) ?? CONTACTS[0]
  return (
    <div className="vc-app">
      <Identity category="client" type={MONTAGUE_CHAT.type} name={MONTAGUE_CHAT.name} />
      <SoftwareInfo name={MONTAGUE_CHAT.name} version={MONTAGUE_CHAT.version} />
      <header className="vc-topbar">
        <span className="vc-logo" aria-hidden="true">
          M
        </span>
        <span className="vc-brand">
          {MONTAGUE_CHAT.name} <span className="vc-version">{MONTAGUE_CHAT.version}</span>
        </span>
        <span className="vc-spacer" />
        <span className="vc-me">
          <Avatar name="Romeo" size={28} />
          <span>
            <strong>Romeo</strong>
            <span className="vc-mono">{jids.me}</span>
          </span>
          <span className="vc-status-pill" data-status={status}>
            <output aria-label="your session">{status}</output>
          </span>
        </span>
      </header>
      <div className="vc-main">
        <aside className="vc-left">
          <Roster presences={presences} selected={selected} onSelect={setSelected} />
          <YourClient />
        </aside>
        {contact && <Conversation contact={contact} presence={presences.get(contact.jid)} />}
        <aside className="vc-right">
          {verona && <PeerView juliet={verona.juliet} me={jids.me} />}
          <ServerPanel server={jids.server} />
        </aside>
      </div>
      {devtools && (
        <div className="vc-devtools">
          <DiscoDevtools position="inline" initialIsOpen />
        </div>
      )}
    </div>
  )
}
