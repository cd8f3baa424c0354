import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, waitFor, within } from 'storybook/test'
import { useDiscoItems } from '../../src/react/index.js'
import { EXAMPLE_JIDS } from '../../src/testing/index.js'
import { ItemsSummary } from '../support/probes.js'
import { useWorld } from '../support/world.js'

interface ProbeProps {
  /** Who to ask; default the story's server. */
  jid?: string
  /** The node to ask. */
  node?: string
}

/** `useDiscoItems(jid, { node })`, shown. */
function ItemsProbe({ jid, node }: ProbeProps) {
  const { jids } = useWorld()
  const target = jid ?? jids.server
  const query = useDiscoItems(target, { node })
  return <ItemsSummary label={`disco#items of ${target}${node ? ` at ${node}` : ''}`} query={query} />
}

const meta = {
  title: 'Hooks/useDiscoItems',
  component: ItemsProbe,
  tags: ['autodocs'],
  parameters: {
    docs: {
      description: {
        component:
          '`useDiscoItems(jid, { node })`: the items an entity lists (XEP-0030 section 4), shared and cached like useDiscoInfo.',
      },
    },
  },
} satisfies Meta<typeof ItemsProbe>

export default meta
type Story = StoryObj<typeof meta>

/** The server lists its components. */
export const ServerItems: Story = {
  parameters: { world: { live: false } },
  play: async ({ canvasElement }) => {
    const list = await within(canvasElement).findByRole('list', { name: `disco#items of ${EXAMPLE_JIDS.server} items` })
    await expect(within(list).getAllByRole('listitem')).toHaveLength(6)
    await expect(list).toHaveTextContent('Chatrooms conference.example.org')
    await expect(list).toHaveTextContent('HTTP File Upload upload.example.org')
  },
}

/** Items at a node: the node is echoed, items may name nodes themselves. */
export const NodeItems: Story = {
  args: { jid: EXAMPLE_JIDS.pubsub, node: 'news' },
  parameters: { world: { live: false } },
  play: async ({ canvasElement }) => {
    const list = await within(canvasElement).findByRole('list', { name: /at news items$/ })
    await expect(list).toHaveTextContent('News from Verona pubsub.example.org node news/verona')
  },
}

/** An entity with nothing to list: an empty result, not an error. */
export const NoItems: Story = {
  args: { jid: EXAMPLE_JIDS.room },
  parameters: { world: { live: false } },
  play: async ({ canvasElement }) => {
    const section = await within(canvasElement).findByRole('region', { name: `disco#items of ${EXAMPLE_JIDS.room}` })
    await waitFor(() => expect(section).toHaveTextContent('status: success'))
    await expect(section).toHaveTextContent('no items')
  },
}

/** A node the entity does not have: item-not-found. */
export const ItemNotFound: Story = {
  args: { jid: EXAMPLE_JIDS.pubsub, node: 'no-such-node' },
  parameters: { world: { live: false } },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('alert')).toHaveTextContent('StanzaError: item-not-found')
  },
}
