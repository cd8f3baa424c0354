import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, waitFor, within } from 'storybook/test'
import { DiscoBrowser, Item } from '../../src/react/index.js'
import type { ItemProps } from '../../src/react/index.js'
import { useWorld } from '../support/world.js'
import { OnPeer, WhenPeerOnline } from './declare.js'

function ItemDemo(props: Partial<ItemProps>) {
  const { jids } = useWorld()
  return (
    <>
      <OnPeer label="render <Item …/>">
        <Item {...props} jid={props.jid ?? jids.server} />
      </OnPeer>
      <WhenPeerOnline>{(peer) => <DiscoBrowser jid={peer} label="The peer’s items" timeout={5000} />}</WhenPeerOnline>
    </>
  )
}

const meta = {
  title: 'Components/Item',
  component: ItemDemo,
  tags: ['autodocs'],
  args: { name: 'My server' },
  parameters: {
    docs: {
      description: {
        component: '`<Item jid node? name?>` lists an item in the disco#items of our entity (or of the enclosing `<DiscoNode>`).',
      },
    },
  },
} satisfies Meta<typeof ItemDemo>

export default meta
type Story = StoryObj<typeof meta>

/** The peer lists its server; our browser shows the item and asks it for its identity. */
export const ListedItem: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const item = await canvas.findByRole('treeitem', { name: 'My server' }, { timeout: 10_000 })
    await expect(item).toHaveAttribute('aria-level', '2')
    await waitFor(() => expect(item).toHaveTextContent('server/im'))
  },
}
