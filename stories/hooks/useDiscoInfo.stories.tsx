import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { NS_DISCO_INFO } from '../../src/core/index.js'
import { useDiscoInfo } from '../../src/react/index.js'
import { EXAMPLE_JIDS } from '../../src/testing/index.js'
import { InfoSummary, RequestCounter } from '../support/probes.js'
import { useExample, useWorld } from '../support/world.js'

type Target = 'server' | 'peer' | 'slow' | 'broken' | 'silent'

interface ProbeProps {
  /** Who to ask: a role of the story's world. */
  target: Target
  /** The node to ask. */
  node?: string
  /** Milliseconds to wait for the reply. */
  timeout?: number
}

function useTarget(target: Target): string {
  const { jids } = useWorld()
  return target === 'server' ? jids.server : target === 'peer' ? jids.peer : EXAMPLE_JIDS[target]
}

/** `useDiscoInfo(jid, { node, timeout })`, shown. */
function InfoProbe({ target, node, timeout }: ProbeProps) {
  const jid = useTarget(target)
  const query = useDiscoInfo(jid, { node, timeout })
  return <InfoSummary label={`disco#info of ${jid}${node ? ` at ${node}` : ''}`} query={query} />
}

const meta = {
  title: 'Hooks/useDiscoInfo',
  component: InfoProbe,
  tags: ['autodocs'],
  args: { target: 'server' },
  argTypes: { target: { control: 'select', options: ['server', 'peer', 'slow', 'broken', 'silent'] } },
  parameters: {
    docs: {
      description: {
        component:
          '`useDiscoInfo(jid, { node, timeout, ...TanStack options })` returns TanStack’s `UseQueryResult<DiscoInfo>`: ' +
          'what `jid` is (identities) and supports (features, extended-info forms). Every component asking for one ' +
          'target shares one request and one cache entry.',
      },
    },
  },
} satisfies Meta<typeof InfoProbe>

export default meta
type Story = StoryObj<typeof meta>

/** The server answers: identity server/im and its features. Works on the live server too. */
export const Success: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const section = await canvas.findByRole('region', { name: /^disco#info of / })
    await waitFor(() => expect(section).toHaveTextContent('status: success'))
    await expect(section).toHaveTextContent('identity server/im')
    await expect(section).toHaveTextContent(/\d+ features/)
  },
}

/** A slow service: `isPending` until the reply comes (about 1 s here). */
export const Loading: Story = {
  args: { target: 'slow' },
  parameters: { world: { live: false, slowLatency: 1000 } },
  play: async ({ canvasElement }) => {
    const section = await within(canvasElement).findByRole('region', { name: /^disco#info of slow/ })
    await expect(section).toHaveTextContent('status: pending (fetching)')
    await waitFor(() => expect(section).toHaveTextContent('status: success'), { timeout: 4000 })
    await expect(section).toHaveTextContent('identity component/generic “Slow service”')
  },
}

/** A node the server does not have: the query fails with StanzaError item-not-found. */
export const ItemNotFound: Story = {
  args: { node: 'no-such-node' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const alert = await canvas.findByRole('alert')
    await expect(alert).toHaveTextContent(/^StanzaError: item-not-found/)
    await expect(canvas.getByRole('region', { name: /at no-such-node/ })).toHaveTextContent('status: error')
  },
}

/** A service that answers with an error: StanzaError internal-server-error, with its text. */
export const ServiceError: Story = {
  args: { target: 'broken' },
  parameters: { world: { live: false } },
  play: async ({ canvasElement }) => {
    const alert = await within(canvasElement).findByRole('alert')
    await expect(alert).toHaveTextContent('StanzaError: internal-server-error: The simulated service is broken')
  },
}

/** A service that never answers: TimeoutError after `timeout` ms (1 s here); the request did reach it. */
export const Timeout: Story = {
  args: { target: 'silent', timeout: 1000 },
  parameters: { world: { live: false } },
  render: (args) => <WithCounter {...args} counted="silent" />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const counter = await canvas.findByRole('status', { name: `requests received by ${EXAMPLE_JIDS.silent}` })
    await waitFor(() => expect(counter).toHaveTextContent(/^1$/))
    await expect(canvas.getByRole('region', { name: /^disco#info of silent/ })).toHaveTextContent('status: pending')
    const alert = await canvas.findByRole('alert', {}, { timeout: 3000 })
    await expect(alert).toHaveTextContent('TimeoutError: No reply within 1000 ms')
  },
}

function WithCounter({ counted, ...probe }: ProbeProps & { counted: 'server' | 'silent' }) {
  const example = useExample()
  return (
    <>
      <InfoProbe {...probe} />
      <RequestCounter entity={example[counted]} ns={NS_DISCO_INFO} />
    </>
  )
}

function Aliasing() {
  const example = useExample()
  const { refetch } = useDiscoInfo(EXAMPLE_JIDS.server)
  return (
    <>
      {[1, 2, 3, 4].map((n) => (
        <div key={n} data-probe={n}>
          <InfoProbe target="server" />
        </div>
      ))}
      <RequestCounter entity={example.server} ns={NS_DISCO_INFO} />
      <button type="button" onClick={() => void refetch()}>
        Refetch
      </button>
    </>
  )
}

/** The four probes, each answered with the server's identity, and the server's counter. */
async function fiveComponentsAnswered(canvasElement: HTMLElement) {
  const canvas = within(canvasElement)
  const counter = canvas.getByRole('status', { name: `requests received by ${EXAMPLE_JIDS.server}` })
  const probes = canvas.getAllByRole('region', { name: `disco#info of ${EXAMPLE_JIDS.server}` })
  await expect(probes).toHaveLength(4)
  for (const probe of probes) {
    await waitFor(() => expect(probe).toHaveTextContent('status: success'))
    await expect(probe).toHaveTextContent('identity server/im “Example Server”')
  }
  return { canvas, counter, probes }
}

/**
 * Five components ask example.org at once (four probes and the Refetch
 * button's own hook): one request goes out, as the server's counter shows.
 */
export const Aliasing1Request: Story = {
  name: 'Aliasing (one request for five components)',
  parameters: { world: { live: false } },
  render: () => <Aliasing />,
  play: async ({ canvasElement }) => {
    const { counter } = await fiveComponentsAnswered(canvasElement)
    await expect(counter).toHaveTextContent(/^1$/)
    await expect(counter.parentElement).toHaveTextContent(`1 info request received by ${EXAMPLE_JIDS.server}`)
  },
}

/** Refetch (from any of the five) sends exactly one more request, and every component gets the new answer. */
export const RefetchSendsOneMore: Story = {
  name: 'Refetch (one more request for all five)',
  parameters: { world: { live: false } },
  render: () => <Aliasing />,
  play: async ({ canvasElement }) => {
    const { canvas, counter, probes } = await fiveComponentsAnswered(canvasElement)
    await expect(counter).toHaveTextContent(/^1$/)
    await userEvent.click(canvas.getByRole('button', { name: 'Refetch' }))
    await waitFor(() => expect(counter).toHaveTextContent(/^2$/))
    await expect(counter.parentElement).toHaveTextContent(`2 info requests received by ${EXAMPLE_JIDS.server}`)
    for (const probe of probes) await waitFor(() => expect(probe).toHaveTextContent('status: success'))
  },
}

/** The same hook against a real Prosody over WebSocket (the Network toolbar set to live). */
export const LiveServer: Story = {
  tags: ['screenshot'],
  globals: { network: 'live' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const section = await canvas.findByRole('region', { name: /^disco#info of / }, { timeout: 10_000 })
    await waitFor(() => expect(section).toHaveTextContent('status: success'), { timeout: 10_000 })
    await expect(section).toHaveTextContent('identity server/im “Prosody”')
    await expect(canvas.getByText(/^Live server ws:\/\/127\.0\.0\.1:\d+\/xmpp-websocket/)).toBeInTheDocument()
  },
}

/**
 * Live mode with no server at the address (here a closed port): after a few seconds the story says so, with the
 * command that starts one.
 */
export const LiveWithoutServer: Story = {
  tags: ['screenshot'],
  globals: { network: 'live' },
  parameters: { world: { liveService: 'ws://127.0.0.1:9/xmpp-websocket' } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const alert = await canvas.findByRole('alert', {}, { timeout: 10_000 })
    await expect(alert).toHaveTextContent(
      'No XMPP server at ws://127.0.0.1:9/xmpp-websocket; start one with npm run prosody',
    )
    await expect(within(alert).getByText('npm run prosody')).toBeInTheDocument()
  },
}
