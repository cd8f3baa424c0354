import type { Meta, StoryObj } from '@storybook/react-vite'
import xml from '@xmpp/xml'
import { useEffect, useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { NS_DISCO_INFO } from '../../src/core/index.js'
import type { SimulatedEntity } from '../../src/testing/index.js'
import { DiscoProvider, useDiscoInfo, useHasFeature } from '../../src/react/index.js'
import { usePresences } from '../showcase/presenceBook.js'
import { CONTACTS, FEATURES, MONTAGUE_CHAT, setUpVerona } from '../showcase/verona.js'
import type { Contact } from '../showcase/verona.js'
import { useExample, useRequestCount, useStatus, useWorld } from '../support/world.js'

function Online() {
  const { jids, me } = useWorld()
  const example = useExample()
  const status = useStatus(me)
  const asked = useRequestCount(example.server, NS_DISCO_INFO)
  const { status: query, data, isStale } = useDiscoInfo(jids.server)
  return (
    <>
      <p>
        Session: <output aria-label="session">{status}</output> · query: <output aria-label="query">{query}</output>
        {isStale ? ' (stale)' : ''} · {data ? `${data.features.length} features` : 'no data'} · the server was asked{' '}
        <output aria-label="asked">{asked}</output> {asked === 1 ? 'time' : 'times'}
      </p>
      <SessionButtons resumption />
    </>
  )
}

/** What the network and the server may do to our session; `resumption`: a drop XEP-0198 resumes too. */
function SessionButtons({ resumption = false }: { resumption?: boolean }) {
  const example = useExample()
  return (
    <p>
      {resumption && (
        <>
          <button type="button" onClick={() => example.me.dropConnection()}>
            Lose the network
          </button>{' '}
          <button type="button" onClick={() => example.me.resume()}>
            Resume the stream
          </button>{' '}
        </>
      )}
      <button type="button" onClick={() => example.me.goOffline()}>
        End the session
      </button>{' '}
      <button type="button" onClick={() => example.me.goOnline()}>
        Start a new session
      </button>
    </p>
  )
}

/** One roster row: whether the contact's client takes video calls. */
function ContactRow({ contact }: { contact: Contact }) {
  const { supported, status, isStale } = useHasFeature(contact.jid, FEATURES.video)
  return (
    <li>
      {contact.name} ({contact.client.name}): video calls{' '}
      <output aria-label={contact.name}>
        {supported === undefined ? 'unknown' : supported ? 'yes' : 'no'}
        {isStale ? ' (stale)' : ''}
      </output>{' '}
      <small>(query {status})</small>
    </li>
  )
}

/** How many disco#info queries a contact has received, live (read by the play function). */
function AskedCount({ entity }: { entity: SimulatedEntity }) {
  const asked = useRequestCount(entity, NS_DISCO_INFO)
  return <output aria-label={`asked ${entity.jid.toString()}`} data-asked={asked} hidden />
}

// The contacts whose clients hash their caps: legacy caps (no hash) are never
// shared, so such a contact is always asked itself.
const HASHING = CONTACTS.filter((contact) => !contact.client.legacy)

function Roster() {
  const example = useExample()
  const { me } = useWorld()
  const status = useStatus(me)
  // A roster knows a contact's full JID from its presence: a row asks it then.
  const presences = usePresences(me)
  const [entities, setEntities] = useState<SimulatedEntity[] | null>(null)
  useEffect(() => {
    const verona = setUpVerona(example)
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setEntities(HASHING.map((contact) => verona.entities.get(contact.jid) as SimulatedEntity))
  }, [example])
  // An app announces itself at the start of every session (RFC 6121 4.2); the
  // server then brings it its contacts' presences, with their caps.
  useEffect(() => {
    if (entities && status === 'online') void me.send(xml('presence', {}, xml('status', {}, 'In the orchard')))
  }, [entities, status, me])
  if (!entities) return null
  return (
    <>
      <p>
        Session: <output aria-label="session">{status}</output>
      </p>
      <ul>
        {HASHING.map((contact) =>
          presences.has(contact.jid) ? <ContactRow key={contact.jid} contact={contact} /> : <li key={contact.jid}>{contact.name}: offline</li>,
        )}
      </ul>
      {entities.map((entity) => (
        <AskedCount key={entity.jid.toString()} entity={entity} />
      ))}
      <SessionButtons />
    </>
  )
}

const meta = {
  title: 'Components/DiscoProvider',
  component: DiscoProvider,
  tags: ['autodocs'],
  // The global decorator already wraps every story in <DiscoProvider client={xmpp} queryClient={...}>.
  render: () => <Online />,
  parameters: {
    world: { live: false },
    docs: {
      description: {
        component:
          '`<DiscoProvider client queryClient? caps?>` gives the hooks and components the DiscoServer and DiscoClient of ' +
          'an xmpp.js client. Queries wait until the session is online. A dropped connection that XEP-0198 resumes ' +
          'loses nothing; a session that ends for good fails what was pending with DisconnectedError, flushes the ' +
          'cache, and the hooks watching ask again once a new session is up (with caps on, a contact\'s row once its ' +
          'presence is back, so that caps verified before answer; 5 s at most). Every story here runs inside one (the ' +
          'global decorator), its client being the simulated entity romeo@example.org/orchard or a live @xmpp/client.',
      },
    },
  },
} satisfies Meta<typeof DiscoProvider>

export default meta
type Story = StoryObj<typeof meta>

/**
 * The network goes and comes back within the server's hibernation time
 * (XEP-0198): the data stays, nothing is asked again.
 */
export const StreamResumed: Story = {
  args: { client: undefined as never },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const session = canvas.getByRole('status', { name: 'session' })
    const query = canvas.getByRole('status', { name: 'query' })
    const asked = canvas.getByRole('status', { name: 'asked' })
    await waitFor(() => expect(query).toHaveTextContent('success'))
    await expect(asked).toHaveTextContent('1')
    await userEvent.click(canvas.getByRole('button', { name: 'Lose the network' }))
    await waitFor(() => expect(session).toHaveTextContent('disconnect'))
    await expect(canvas.getByText(/features/)).toBeInTheDocument()
    await userEvent.click(canvas.getByRole('button', { name: 'Resume the stream' }))
    await waitFor(() => expect(session).toHaveTextContent('online'))
    await expect(query).toHaveTextContent('success')
    await expect(canvas.queryByText(/stale/)).not.toBeInTheDocument()
    await expect(asked).toHaveTextContent('1')
  },
}

/**
 * The session ends (no resumption): the last answer stays on screen while
 * offline, and a new session asks again on its own.
 */
export const SessionEndsAndRestarts: Story = {
  args: { client: undefined as never },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const session = canvas.getByRole('status', { name: 'session' })
    const query = canvas.getByRole('status', { name: 'query' })
    const asked = canvas.getByRole('status', { name: 'asked' })
    await waitFor(() => expect(query).toHaveTextContent('success'))
    await userEvent.click(canvas.getByRole('button', { name: 'End the session' }))
    await waitFor(() => expect(session).toHaveTextContent('offline'))
    await expect(canvas.getByText(/features/)).toBeInTheDocument()
    await expect(asked).toHaveTextContent('1')
    await userEvent.click(canvas.getByRole('button', { name: 'Start a new session' }))
    await waitFor(() => expect(asked).toHaveTextContent('2'))
    await waitFor(() => expect(query).toHaveTextContent('success'))
    await expect(canvas.queryByText(/stale/)).not.toBeInTheDocument()
  },
}

/** The disco#info queries the contacts have received so far, all together. */
function askedInAll(canvasElement: HTMLElement): number {
  return [...canvasElement.querySelectorAll<HTMLOutputElement>('output[data-asked]')].reduce((sum, output) => sum + Number(output.dataset.asked), 0)
}

/**
 * With entity capabilities on, a roster across a new session: the rows keep
 * their last answers while offline, and once the new session is up each row
 * waits for its contact's presence, whose caps answer from the hash verified
 * in the first session. Five contacts on two client programs cost two queries
 * (one per caps version), then none at all after the new session.
 */
export const ContactsAfterNewSession: Story = {
  args: { client: undefined as never },
  render: () => <Roster />,
  parameters: { world: { live: false, caps: MONTAGUE_CHAT.node } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const rows = () => HASHING.map((contact) => canvas.getByRole('status', { name: contact.name }))
    const answered = async (): Promise<void> => {
      for (const [index, row] of (await waitFor(rows)).entries()) {
        const expected = HASHING[index]?.client.features.includes(FEATURES.video) ? 'yes' : 'no'
        await waitFor(() => expect(row).toHaveTextContent(new RegExp(`^${expected}$`)), { timeout: 8000 })
      }
    }
    await answered()
    await expect(askedInAll(canvasElement)).toBe(2)
    await userEvent.click(canvas.getByRole('button', { name: 'End the session' }))
    await waitFor(() => expect(canvas.getByRole('status', { name: 'session' })).toHaveTextContent('offline'))
    await userEvent.click(canvas.getByRole('button', { name: 'Start a new session' }))
    await waitFor(() => expect(canvas.getByRole('status', { name: 'session' })).toHaveTextContent('online'))
    await answered()
    await expect(askedInAll(canvasElement)).toBe(2)
  },
}
