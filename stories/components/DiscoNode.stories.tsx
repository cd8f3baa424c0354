import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { DiscoBrowser, DiscoNode, Feature, Identity } from '../../src/react/index.js'
import type { DiscoNodeProps } from '../../src/react/index.js'
import { OnPeer, WhenPeerOnline } from './declare.js'

function DiscoNodeDemo(props: DiscoNodeProps) {
  return (
    <>
      <OnPeer label={`render <DiscoNode node="${props.node}">`}>
        <DiscoNode {...props}>
          <Identity category="hierarchy" type="branch" name="Games" />
          <Feature var="urn:example:chess" />
        </DiscoNode>
      </OnPeer>
      <WhenPeerOnline>{(peer) => <DiscoBrowser jid={peer} label="The peer’s nodes" timeout={5000} />}</WhenPeerOnline>
    </>
  )
}

const meta = {
  title: 'Components/DiscoNode',
  component: DiscoNodeDemo,
  tags: ['autodocs'],
  args: { node: 'urn:example:games', listed: true, name: 'Games' },
  parameters: {
    docs: {
      description: {
        component:
          '`<DiscoNode node listed? name?>` mounts a node of our entity while rendered; `<Feature>`, `<Identity>` and ' +
          '`<Item>` inside declare on it. `listed` puts it in the root’s disco#items.',
      },
    },
  },
} satisfies Meta<typeof DiscoNodeDemo>

export default meta
type Story = StoryObj<typeof meta>

/** The peer mounts a listed node with an identity and a feature; our browser finds and opens it. */
export const ListedNode: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const node = await canvas.findByRole('treeitem', { name: 'Games' }, { timeout: 10_000 })
    await waitFor(() => expect(node).toHaveTextContent('hierarchy/branch'))
    await expect(node).toHaveTextContent('node urn:example:games')
    await userEvent.click(within(node).getByText('Games'))
    await expect(within(node).getByRole('list', { name: 'Features of Games' })).toHaveTextContent('urn:example:chess')
    await waitFor(() => expect(node).toHaveTextContent('No items'))
  },
}
