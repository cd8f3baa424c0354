import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { DiscoProvider, useDiscoInfo } from '../../src/react/index.js'
import { useExample, useStatus, useWorld } from '../support/world.js'

function Online() {
  const { jids, me } = useWorld()
  const example = useExample()
  const status = useStatus(me)
  const { status: query, data } = useDiscoInfo(jids.server)
  return (
    <>
      <p>
        Session: <output aria-label="session">{status}</output> · query:{' '}
        <output aria-label="query">{query}</output> · {data ? `${data.features.length} features` : 'no data'}
      </p>
      <button type="button" onClick={() => example.me.goOffline()}>
        Drop the connection
      </button>{' '}
      <button type="button" onClick={() => example.me.goOnline()}>
        Reconnect
      </button>
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
          '`<DiscoProvider client queryClient?>` gives the hooks and components the DiscoServer and DiscoClient of an ' +
          'xmpp.js client. Queries wait until the session is online; when it ends without stream resumption the cache ' +
          'is flushed and pending queries fail with DisconnectedError. Every story here runs inside one (the global ' +
          'decorator), its client being the simulated entity romeo@example.org/orchard or a live @xmpp/client.',
      },
    },
  },
} satisfies Meta<typeof DiscoProvider>

export default meta
type Story = StoryObj<typeof meta>

/** Session drops: cache flushed, the query waits; back online: asked again. */
export const SessionEndsAndResumes: Story = {
  args: { client: undefined as never },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const session = canvas.getByRole('status', { name: 'session' })
    const query = canvas.getByRole('status', { name: 'query' })
    await waitFor(() => expect(query).toHaveTextContent('success'))
    await expect(session).toHaveTextContent('online')
    await userEvent.click(canvas.getByRole('button', { name: 'Drop the connection' }))
    await waitFor(() => expect(session).toHaveTextContent('offline'))
    await waitFor(() => expect(query).toHaveTextContent('pending'))
    await expect(canvas.getByText(/no data/)).toBeInTheDocument()
    await userEvent.click(canvas.getByRole('button', { name: 'Reconnect' }))
    await waitFor(() => expect(query).toHaveTextContent('success'))
  },
}
