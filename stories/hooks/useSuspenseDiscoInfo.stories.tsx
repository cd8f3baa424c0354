import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { useSuspenseDiscoInfo } from '../../src/react/index.js'
import { EXAMPLE_JIDS } from '../../src/testing/index.js'
import { RequestCounter } from '../support/probes.js'
import { SuspenseBoundary } from '../support/SuspenseBoundary.js'
import { useExample, useWorld } from '../support/world.js'

type Target = 'server' | 'slow' | 'broken'

interface ProbeProps {
  /** Who to ask: a role of the story's world. */
  target: Target
  /** Milliseconds for the session (when it is down) and the reply together. */
  timeout?: number
}

/** `useSuspenseDiscoInfo(jid)`: rendered only once the answer is in, so `data` is always there. */
function Info({ target, timeout }: ProbeProps) {
  const { jids } = useWorld()
  const jid = target === 'server' ? jids.server : EXAMPLE_JIDS[target]
  const { data } = useSuspenseDiscoInfo(jid, timeout === undefined ? {} : { timeout })
  return (
    <section aria-label={`disco#info of ${jid}`} className="sb-probe">
      <ul>
        {data.identities.map((i) => (
          <li key={`${i.category}/${i.type}/${i.lang ?? ''}`}>
            identity <code>{`${i.category}/${i.type}`}</code>
            {i.name !== undefined && ` “${i.name}”`}
          </li>
        ))}
        <li>
          {data.features.length} {data.features.length === 1 ? 'feature' : 'features'}
        </li>
      </ul>
    </section>
  )
}

function InfoProbe(props: ProbeProps) {
  return (
    <SuspenseBoundary>
      <Info {...props} />
    </SuspenseBoundary>
  )
}

/** The probe, and how many requests the broken service received. */
function WithCounter(props: ProbeProps) {
  const example = useExample()
  return (
    <>
      <InfoProbe {...props} />
      <RequestCounter entity={example.broken} />
    </>
  )
}

/** The session ends first; the hook is mounted while it is down and waits for the next one. */
function WhileOffline(props: ProbeProps) {
  const example = useExample()
  const [mounted, setMounted] = useState(false)
  return (
    <>
      <p>
        <button type="button" onClick={() => example.me.goOffline()}>
          End the session
        </button>{' '}
        <button type="button" onClick={() => setMounted(true)}>
          Mount the hook
        </button>{' '}
        <button type="button" onClick={() => example.me.goOnline()}>
          Start a new session
        </button>
      </p>
      {mounted && <InfoProbe {...props} />}
    </>
  )
}

const meta = {
  title: 'Hooks/useSuspenseDiscoInfo',
  component: InfoProbe,
  tags: ['autodocs'],
  args: { target: 'server' },
  argTypes: { target: { control: 'select', options: ['server', 'slow', 'broken'] } },
  parameters: {
    docs: {
      description: {
        component:
          '`useSuspenseDiscoInfo(jid, { node, timeout, select })` suspends until the answer is in (TanStack’s ' +
          '`useSuspenseQuery` over the cache entry of `useDiscoInfo(jid)`): `data` is always there, a failure goes to ' +
          'the nearest error boundary. No `enabled` and no null jid: render it when you have a jid. While the session ' +
          'is down it waits for it, within `timeout`, then throws DisconnectedError.',
      },
    },
  },
} satisfies Meta<typeof InfoProbe>

export default meta
type Story = StoryObj<typeof meta>

/** The server answers: the component renders with its identity. Works on the live server too. */
export const Success: Story = {
  play: async ({ canvasElement }) => {
    const section = await within(canvasElement).findByRole('region', { name: /^disco#info of / }, { timeout: 5000 })
    await expect(section).toHaveTextContent('identity server/im')
  },
}

/** A slow service: the Suspense fallback until the reply comes (about 1 s here). */
export const Suspended: Story = {
  args: { target: 'slow' },
  parameters: { world: { live: false, slowLatency: 1000 } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    await expect(await canvas.findByRole('status', { name: 'suspended' })).toHaveTextContent('Asking…')
    const section = await canvas.findByRole('region', { name: /^disco#info of slow/ }, { timeout: 4000 })
    await expect(section).toHaveTextContent('identity component/generic “Slow service”')
  },
}

/** The service answers with an error: the error boundary shows it, and "Try again" asks again. */
export const ErrorBoundary: Story = {
  args: { target: 'broken' },
  render: (args) => <WithCounter {...args} />,
  parameters: { world: { live: false } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const asked = canvas.getByRole('status', { name: `requests received by ${EXAMPLE_JIDS.broken}` })
    const alert = await canvas.findByRole('alert')
    await expect(alert).toHaveTextContent('StanzaError: internal-server-error')
    await expect(asked).toHaveTextContent('1')
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }))
    await waitFor(() => expect(asked).toHaveTextContent('2'))
    await waitFor(() => expect(canvas.getByRole('alert')).toHaveTextContent('StanzaError: internal-server-error'))
  },
}

/** Ends the session, then mounts the hook; resolves with the canvas. */
async function mountWhileOffline(canvasElement: HTMLElement) {
  const canvas = within(canvasElement)
  await userEvent.click(canvas.getByRole('button', { name: 'End the session' }))
  await userEvent.click(canvas.getByRole('button', { name: 'Mount the hook' }))
  return canvas
}

/** Mounted while the session is down: it waits (suspended), and renders once a new session is up. */
export const WaitsForTheSession: Story = {
  render: (args) => <WhileOffline {...args} />,
  parameters: { world: { live: false } },
  play: async ({ canvasElement }) => {
    const canvas = await mountWhileOffline(canvasElement)
    await expect(await canvas.findByRole('status', { name: 'suspended' })).toBeInTheDocument()
    await userEvent.click(canvas.getByRole('button', { name: 'Start a new session' }))
    const section = await canvas.findByRole('region', { name: /^disco#info of / }, { timeout: 5000 })
    await expect(section).toHaveTextContent('identity server/im')
  },
}

/** Mounted while the session is down, with a 300 ms timeout: DisconnectedError reaches the error boundary. */
export const SessionTimeout: Story = {
  args: { timeout: 300 },
  render: (args) => <WhileOffline {...args} />,
  parameters: { world: { live: false } },
  play: async ({ canvasElement }) => {
    const canvas = await mountWhileOffline(canvasElement)
    await waitFor(() => expect(canvas.getByRole('alert')).toHaveTextContent('DisconnectedError: Not connected within 300 ms'))
  },
}
