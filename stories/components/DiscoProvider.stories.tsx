import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { NS_DISCO_INFO } from '../../src/core/index.js'
import { DiscoProvider, useDiscoInfo } from '../../src/react/index.js'
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
      <p>
        <button type="button" onClick={() => example.me.dropConnection()}>
          Lose the network
        </button>{' '}
        <button type="button" onClick={() => example.me.resume()}>
          Resume the stream
        </button>{' '}
        <button type="button" onClick={() => example.me.goOffline()}>
          End the session
        </button>{' '}
        <button type="button" onClick={() => example.me.goOnline()}>
          Start a new session
        </button>
      </p>
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
