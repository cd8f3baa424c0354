import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/index.js'
import { DiscoBrowser } from '../../src/react/index.js'
import type { DiscoBrowserProps, DiscoBrowserRow } from '../../src/react/index.js'
import { EXAMPLE_JIDS } from '../../src/testing/index.js'
import { RequestCounter } from '../support/probes.js'
import { useExample, useWorld } from '../support/world.js'

/** The browser pointed at the story's server unless a jid is given. */
function Browser(props: Partial<DiscoBrowserProps>) {
  const { jids } = useWorld()
  return <DiscoBrowser {...props} jid={props.jid ?? jids.server} />
}

const meta = {
  title: 'Components/DiscoBrowser',
  component: DiscoBrowser,
  tags: ['autodocs'],
  args: { jid: undefined as unknown as string, timeout: 2000 },
  render: (args) => <Browser {...args} />,
  parameters: {
    docs: {
      description: {
        component:
          'A service browser like the ones of desktop XMPP clients: a tree (`role="tree"`) of an entity’s items. ' +
          'Each row asks disco#info for its identities and features (with its own loading and error state) and ' +
          'asks disco#items only when first expanded, a page at a time (XEP-0059, `pageSize` rows, default 25): a long ' +
          'list ends with a “Show more” row. Only rendered rows ask for their info, at most 6 at a time. Keyboard: ↑/↓ ' +
          'move, → expands or enters, ← collapses or goes to the parent, Enter/Space toggle (or show more), Home/End jump.',
      },
    },
  },
} satisfies Meta<typeof DiscoBrowser>

export default meta
type Story = StoryObj<typeof meta>

/** Walks the simulated example.org: components, a slow one, a broken one, a silent one; expands by mouse and keyboard. */
export const WalkTheServer: Story = {
  tags: ['screenshot'],
  parameters: { world: { live: false, slowLatency: 600 } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const tree = await canvas.findByRole('tree', { name: `Services of ${EXAMPLE_JIDS.server}` })
    const root = await canvas.findByRole('treeitem', { name: 'Example Server' })
    await expect(root).toHaveAttribute('aria-expanded', 'true')
    await expect(root).toHaveAttribute('aria-level', '1')

    // The root's items, each with its own disco#info.
    const rooms = await canvas.findByRole('treeitem', { name: 'Chatrooms' })
    await expect(rooms).toHaveAttribute('aria-expanded', 'false')
    await expect(rooms).toHaveAttribute('aria-level', '2')
    await waitFor(() => expect(rooms).toHaveTextContent('conference/text · 3 features'))
    const upload = canvas.getByRole('treeitem', { name: 'HTTP File Upload' })
    await waitFor(() => expect(upload).toHaveTextContent('store/file'))
    // Per-row states: the slow service loads, the broken one fails, the silent one times out.
    const slow = canvas.getByRole('treeitem', { name: 'Slow service' })
    await expect(slow).toHaveTextContent('loading…')
    const broken = canvas.getByRole('treeitem', { name: 'Broken service' })
    await waitFor(() => expect(broken).toHaveTextContent('internal-server-error: The simulated service is broken'))
    await expect(broken).toHaveAttribute('data-state', 'error')
    await waitFor(() => expect(slow).toHaveTextContent('component/generic'), { timeout: 3000 })
    const silent = canvas.getByRole('treeitem', { name: 'Silent service' })
    await expect(silent).toHaveTextContent('loading…')
    await waitFor(() => expect(silent).toHaveTextContent('No reply within 2000 ms'), { timeout: 4000 })

    // Mouse: expanding a row lists its items (asked only now).
    await userEvent.click(within(rooms).getByText('Chatrooms'))
    await expect(rooms).toHaveAttribute('aria-expanded', 'true')
    await expect(rooms).toHaveFocus()
    const lobby = await canvas.findByRole('treeitem', { name: 'Lobby' })
    await canvas.findByRole('treeitem', { name: 'Balcony scenes' })
    await expect(within(rooms).getByRole('list', { name: 'Features of Chatrooms' })).toHaveTextContent(
      'http://jabber.org/protocol/muc',
    )

    // Keyboard: → enters the expanded row, Enter expands, ← collapses, ← again goes up, ↓ goes down.
    await userEvent.keyboard('{ArrowRight}')
    await expect(lobby).toHaveFocus()
    await userEvent.keyboard('{Enter}')
    await expect(lobby).toHaveAttribute('aria-expanded', 'true')
    await waitFor(() => expect(lobby).toHaveTextContent('No items'))
    await expect(lobby).toHaveTextContent('muc_persistent')
    await userEvent.keyboard('{ArrowLeft}')
    await expect(lobby).toHaveAttribute('aria-expanded', 'false')
    await userEvent.keyboard('{ArrowLeft}')
    await expect(rooms).toHaveFocus()
    await userEvent.keyboard('{ArrowUp}')
    await expect(root).toHaveFocus()
    await userEvent.keyboard('{End}')
    await expect(silent).toHaveFocus()
    await userEvent.keyboard('{Home}')
    await expect(root).toHaveFocus()
    // Roving tabindex: only the focused row is in the tab order.
    await expect(tree.querySelectorAll('[role="treeitem"][tabindex="0"]')).toHaveLength(1)

    // Leave a picture worth looking at: the rooms and the lobby open.
    await userEvent.keyboard('{ArrowDown}{ArrowRight}{ArrowRight}{Space}')
    await expect(lobby).toHaveAttribute('aria-expanded', 'true')
  },
}

/** The pubsub service: items that are nodes of the same JID, nested (a collection holding a leaf). */
export const PubsubNodes: Story = {
  args: { jid: EXAMPLE_JIDS.pubsub },
  parameters: { world: { live: false } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const news = await canvas.findByRole('treeitem', { name: 'News' })
    await waitFor(() => expect(news).toHaveTextContent('pubsub/collection'))
    await expect(news).toHaveTextContent('pubsub.example.org · node news')
    await userEvent.click(within(news).getByText('News'))
    const verona = await canvas.findByRole('treeitem', { name: 'News from Verona' })
    await expect(verona).toHaveAttribute('aria-level', '3')
    await waitFor(() => expect(verona).toHaveTextContent('pubsub/leaf'))
  },
}

/** What a custom row says of its info query: the count of identities, the error, or that it is still asking. */
function rowStatus(info: DiscoBrowserRow['info']): string {
  if (info.isError) return `(${info.error.message})`
  if (!info.data) return '(asking…)'
  const count = info.data.identities.length
  return `(${count} ${count === 1 ? 'identity' : 'identities'})`
}

/**
 * Rows rendered by `renderRow`, and the root collapsed at first (`defaultExpanded={false}`). A row shows its
 * info query's state: the broken service's error and the silent one's timeout (2 s here) too.
 */
export const CustomRows: Story = {
  args: {
    defaultExpanded: false,
    renderRow: ({ item, expanded, info }) => (
      <>
        {expanded ? '− ' : '+ '}
        <b>{item.name ?? item.jid}</b> {rowStatus(info)}
      </>
    ),
  },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const root = await canvas.findByRole('treeitem')
    await expect(root).toHaveAttribute('aria-expanded', 'false')
    await waitFor(() => expect(root).toHaveTextContent('+ '))
    await waitFor(() => expect(root).toHaveTextContent('(1 identity)'))
    root.focus()
    await userEvent.keyboard('{ArrowRight}')
    await expect(root).toHaveAttribute('aria-expanded', 'true')
    await waitFor(() => expect(root).toHaveTextContent('− '))
    const broken = await canvas.findByRole('treeitem', { name: /Broken service/ })
    await waitFor(() => expect(broken).toHaveTextContent('(internal-server-error: The simulated service is broken)'))
    const silent = canvas.getByRole('treeitem', { name: /Silent service/ })
    await waitFor(() => expect(silent).toHaveTextContent('(No reply within 2000 ms)'), { timeout: 5000 })
  },
}

/** The requests the large directory has received, live. */
function DirectoryCounters() {
  const { directory } = useExample()
  return (
    <>
      <RequestCounter entity={directory} ns={NS_DISCO_ITEMS} />
      <RequestCounter entity={directory} ns={NS_DISCO_INFO} />
    </>
  )
}

/**
 * A pubsub service with 10,000 nodes, browsed politely: the first screen costs one disco#items page (25 items)
 * and one disco#info per row shown (and the root's), never more than 6 in flight; “Show more” (a row of the tree,
 * reachable with the keyboard) asks for the next page.
 */
export const LargeDirectory: Story = {
  tags: ['screenshot'],
  args: { jid: EXAMPLE_JIDS.directory },
  parameters: { world: { live: false } },
  render: (args) => (
    <>
      <DirectoryCounters />
      <Browser {...args} />
    </>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    // The counters, in the order rendered: disco#items, then disco#info.
    const counter = (i: number) => canvas.getAllByRole('status', { name: `requests received by ${EXAMPLE_JIDS.directory}` })[i]
    const items = () => counter(0)
    const infos = () => counter(1)
    const more = await canvas.findByRole('treeitem', { name: 'Show more items of Large directory' })
    await expect(more).toHaveTextContent('Show more (25 of 10000)')
    await waitFor(() => expect(canvas.getByRole('treeitem', { name: 'Topic 25' })).toHaveTextContent('pubsub/leaf'))
    await expect(items()).toHaveTextContent(/^1$/)
    await waitFor(() => expect(infos()).toHaveTextContent(/^26$/))
    // Keyboard: End reaches "Show more", Enter asks for the next page and focuses its first row.
    canvas.getByRole('treeitem', { name: 'Large directory' }).focus()
    await userEvent.keyboard('{End}')
    await expect(more).toHaveFocus()
    await userEvent.keyboard('{Enter}')
    const topic26 = await canvas.findByRole('treeitem', { name: 'Topic 26' })
    await waitFor(() => expect(topic26).toHaveFocus())
    await waitFor(() => expect(canvas.getByRole('treeitem', { name: 'Topic 50' })).toHaveTextContent('pubsub/leaf'))
    await expect(canvas.getByRole('treeitem', { name: 'Show more items of Large directory' })).toHaveTextContent('(50 of 10000)')
    await expect(items()).toHaveTextContent(/^2$/)
    await waitFor(() => expect(infos()).toHaveTextContent(/^51$/))
  },
}

/** The browser on a real Prosody over WebSocket: its server identity, features, and no components. */
export const LiveServer: Story = {
  tags: ['screenshot'],
  globals: { network: 'live' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const root = await canvas.findByRole('treeitem', { name: 'Prosody' }, { timeout: 10_000 })
    await waitFor(() => expect(root).toHaveTextContent('server/im'), { timeout: 10_000 })
    await expect(root).toHaveAttribute('aria-expanded', 'true')
    await expect(within(root).getByRole('list', { name: 'Features of Prosody' })).toHaveTextContent(
      'http://jabber.org/protocol/disco#info',
    )
    await waitFor(() => expect(root).toHaveTextContent(/No items|Items:|\d+ features/), { timeout: 10_000 })
  },
}
