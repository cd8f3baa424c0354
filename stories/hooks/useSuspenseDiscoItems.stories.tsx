import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, within } from 'storybook/test'
import { useSuspenseDiscoItems } from '../../src/react/index.js'
import { EXAMPLE_JIDS } from '../../src/testing/index.js'
import { SuspenseBoundary } from '../support/SuspenseBoundary.js'
import { useWorld } from '../support/world.js'

interface ProbeProps {
  /** Who to ask; default the story's server. */
  jid?: string
  /** The node to ask. */
  node?: string
}

/** `useSuspenseDiscoItems(jid, { node })`: rendered once the items are in. */
function Items({ jid, node }: ProbeProps) {
  const { jids } = useWorld()
  const target = jid ?? jids.server
  const { data } = useSuspenseDiscoItems(target, { node })
  return (
    <ul aria-label={`disco#items of ${target}`}>
      {data.items.map((item) => (
        <li key={`${item.jid} ${item.node ?? ''}`}>
          {item.name ?? item.jid} <code>{item.jid}</code>
        </li>
      ))}
    </ul>
  )
}

function ItemsProbe(props: ProbeProps) {
  return (
    <SuspenseBoundary>
      <Items {...props} />
    </SuspenseBoundary>
  )
}

const meta = {
  title: 'Hooks/useSuspenseDiscoItems',
  component: ItemsProbe,
  tags: ['autodocs'],
  parameters: {
    docs: {
      description: {
        component:
          '`useSuspenseDiscoItems(jid, { node })`: `useDiscoItems` for React Suspense, with the semantics of ' +
          '`useSuspenseDiscoInfo` (same cache entry, errors to the error boundary, waits for the session within `timeout`).',
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
    const list = await within(canvasElement).findByRole('list', { name: `disco#items of ${EXAMPLE_JIDS.server}` }, { timeout: 5000 })
    await expect(within(list).getAllByRole('listitem')).toHaveLength(6)
    await expect(list).toHaveTextContent('Chatrooms conference.example.org')
  },
}
