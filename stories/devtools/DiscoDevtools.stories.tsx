import type { Meta, StoryObj } from '@storybook/react-vite'
import { useCallback, useMemo, useSyncExternalStore } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { NS_DISCO_INFO } from '../../src/core/index.js'
import { DiscoDevtools } from '../../src/devtools/index.js'
import type { DiscoDevtoolsProps } from '../../src/devtools/index.js'
import { usePresences } from '../showcase/presenceBook.js'
import { Roster } from '../showcase/Roster.js'
import { useVerona } from '../showcase/useVerona.js'
import { CONTACTS, MONTAGUE_CHAT, PROGRAMS, runs } from '../showcase/verona.js'
import type { ClientProgram, Verona } from '../showcase/verona.js'
import '../showcase/showcase.css'
import { useWorld } from '../support/world.js'

/** The disco#info requests the contacts running `program` received, in all, live. */
function RequestsReceived({ verona, program }: { verona: Verona; program: ClientProgram }) {
  const contacts = useMemo(() => runs(program), [program])
  const entities = useMemo(() => contacts.flatMap((c) => verona.entities.get(c.jid) ?? []), [verona, contacts])
  const subscribe = useCallback(
    (onChange: () => void) => {
      const offs = entities.map((entity) => entity.subscribe(onChange))
      return () => offs.forEach((off) => off())
    },
    [entities],
  )
  const count = useSyncExternalStore(subscribe, () => entities.reduce((n, e) => n + e.countRequests(NS_DISCO_INFO), 0))
  return (
    <li>
      <strong>
        {program.name} {program.version}
      </strong>
      <span className="vc-hint">
        {contacts.length} {contacts.length === 1 ? 'contact' : 'contacts'} ·{' '}
        <output aria-label={`disco#info requests received by ${program.name} contacts`}>{count}</output>{' '}
        {count === 1 ? 'request' : 'requests'} received
      </span>
    </li>
  )
}

/** The devtools beside a roster of Romeo's six contacts: four of them run one client, with caps. */
function WithRoster(props: DiscoDevtoolsProps) {
  const { me } = useWorld()
  const presences = usePresences(me)
  const verona = useVerona()
  return (
    <div className="vc-app sb-devtools-demo">
      <div className="vc-left">
        <Roster presences={presences} selected="" onSelect={() => {}} />
        {verona && (
          <section className="vc-card" aria-label="On the wire">
            <h2 className="vc-heading">On the wire</h2>
            <ul className="vc-programs">
              {PROGRAMS.map((program) => (
                <RequestsReceived key={program.name} verona={verona} program={program} />
              ))}
            </ul>
          </section>
        )}
      </div>
      <div className="vc-devtools">
        <DiscoDevtools {...props} />
      </div>
    </div>
  )
}

const meta = {
  title: 'Devtools/DiscoDevtools',
  component: DiscoDevtools,
  tags: ['autodocs'],
  args: { position: 'inline', initialIsOpen: true, initialTab: 'traffic' },
  render: (args) => <WithRoster {...args} />,
  parameters: {
    world: { live: false, caps: MONTAGUE_CHAT.node, latency: 15 },
    docs: {
      description: {
        component:
          '`<DiscoDevtools initialIsOpen? position? initialTab?>` from `react-xmpp-disco/devtools`, inside a ' +
          '`DiscoProvider`: a live log of disco traffic (queries with their latency or error, what we answered, spoofed ' +
          'replies, caps verifications), the cache per kind with observers and age (refetch, forget, flush), peers’ ' +
          'verified caps and the JIDs using them, and our own identities, features, forms and caps vers. Here, under ' +
          'a roster of six contacts: four run Montague Chat, one Verona Mobile, one an old client with legacy caps.',
      },
    },
  },
} satisfies Meta<typeof DiscoDevtools>

export default meta
type Story = StoryObj<typeof meta>

/** No focus ring in the picture. */
function blur(): void {
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur()
}

/** Waits for every contact's row to name its client. */
async function rosterLoaded(canvasElement: HTMLElement) {
  const canvas = within(canvasElement)
  for (const contact of CONTACTS) {
    const row = await waitFor(() => {
      const found = canvasElement.querySelector(`[data-jid="${contact.jid}"]`)
      if (!found) throw new Error(`no row for ${contact.jid}`)
      return found
    })
    await waitFor(() => expect(row.querySelector('.vc-contact-client')?.textContent).toMatch(/\d/), { timeout: 10_000 })
  }
  return canvas
}

/**
 * Four contacts run one version of one client: one caps query between them, verified and shared with the other
 * three (folded into one “from caps” row). Balthasar’s client costs one more; Friar Laurence’s legacy caps (no hash)
 * cost a plain query of his own, never shared.
 */
export const OneQueryPerClientVersion: Story = {
  tags: ['screenshot'],
  parameters: { screenshot: { width: 1280, height: 880 } },
  play: async ({ canvasElement }) => {
    const canvas = await rosterLoaded(canvasElement)
    // On the wire: the four Montague Chat contacts were asked once in all, Balthasar's and the friar's clients once each.
    const received = (program: ClientProgram) => canvas.getByRole('status', { name: `disco#info requests received by ${program.name} contacts` })
    for (const program of PROGRAMS) await expect(received(program)).toHaveTextContent(/^1$/)
    // The log says the same: one query to a Montague Chat caps node, the three others answered from its hash.
    const log = canvas.getByRole('table', { name: 'Disco traffic' })
    const rows = () => within(log).getAllByRole('row').slice(1)
    await waitFor(() => expect(rows().filter((r) => r.dataset.type === 'caps-verified').length).toBeGreaterThanOrEqual(2))
    const montagueQueries = rows().filter((r) => r.dataset.type === 'request' && r.textContent?.includes(`${MONTAGUE_CHAT.node}#`))
    await expect(montagueQueries).toHaveLength(1)
    await expect(montagueQueries[0]).toHaveAttribute('data-state', 'answered')
    const fromCaps = rows()
      .filter((r) => r.dataset.type === 'caps-used')
      .map((r) => r.textContent ?? '')
      .join(' ')
    await expect(fromCaps).toMatch(/3 JIDs from caps, nothing sent/)
    // Friar Laurence: legacy caps, a plain query of his own.
    await expect(rows().some((r) => r.dataset.type === 'request' && r.textContent?.includes('laurence@example.org/cell'))).toBe(true)

    // The Caps tab: each verified hash with the JIDs advertising it.
    await userEvent.click(canvas.getByRole('tab', { name: /Caps/ }))
    const hashes = await canvas.findByRole('region', { name: 'Verified caps hashes' })
    const montague = within(hashes)
      .getAllByRole('row')
      .filter((r) => r.textContent?.includes('Montague Chat'))
    await expect(montague).toHaveLength(2) // XEP-0390 sha-256 and XEP-0115 sha-1
    for (const row of montague) for (const c of runs(MONTAGUE_CHAT)) await expect(row).toHaveTextContent(c.jid)
    const perJid = canvas.getByRole('region', { name: 'Caps per JID' })
    await expect(within(perJid).getByText('laurence@example.org/cell').closest('tr')).toHaveTextContent('legacy caps: its own query')
    blur()
  },
}

/**
 * The Cache tab: every entry with its observers and age. Refetch asks the entity itself again (not through caps);
 * Forget drops an info and the watching row asks again; Flush cache does it for everything.
 */
export const Cache: Story = {
  tags: ['screenshot'],
  args: { initialTab: 'cache' },
  parameters: { screenshot: { width: 1280, height: 880 } },
  play: async ({ canvasElement }) => {
    const canvas = await rosterLoaded(canvasElement)
    const montague = canvas.getByRole('status', { name: 'disco#info requests received by Montague Chat contacts' })
    await expect(montague).toHaveTextContent(/^1$/)
    const info = await canvas.findByRole('region', { name: 'disco#info entries' })
    const row = () => within(info).getByText('juliet@example.org/web').closest('tr')
    await waitFor(() => expect(row()).toHaveTextContent('client/web · 11 features · 1 form'))
    await expect(row()).toHaveTextContent('cached')
    // Refetch asks Juliet herself: the Montague Chat contacts have received two requests now.
    await userEvent.click(canvas.getByRole('button', { name: 'Refetch info of juliet@example.org/web' }))
    await waitFor(() => expect(montague).toHaveTextContent(/^2$/))
    await userEvent.click(canvas.getByRole('button', { name: 'Flush cache' }))
    await waitFor(() => expect(row()).toHaveTextContent('cached'))
    await userEvent.click(canvas.getByRole('tab', { name: /Traffic/ }))
    const log = canvas.getByRole('table', { name: 'Disco traffic' })
    await expect(log).toHaveTextContent('refetch info of juliet@example.org/web')
    await expect(log).toHaveTextContent('flushed the cache')
    await userEvent.click(canvas.getByRole('tab', { name: /Cache/ }))
    await canvas.findByRole('region', { name: 'disco#info entries' })
    blur()
  },
}

/** Docked at the bottom of the window (the default): a launcher in the corner opens it. */
export const Docked: Story = {
  args: { position: 'fixed', initialIsOpen: false },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    await userEvent.click(await canvas.findByRole('button', { name: 'Open the disco devtools' }))
    const panel = await canvas.findByRole('region', { name: 'Disco devtools' })
    await expect(panel).toHaveAttribute('data-position', 'fixed')
    await userEvent.click(within(panel).getByRole('button', { name: 'Close the disco devtools' }))
    await expect(await canvas.findByRole('button', { name: 'Open the disco devtools' })).toBeInTheDocument()
  },
}
