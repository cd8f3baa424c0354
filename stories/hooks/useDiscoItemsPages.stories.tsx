import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { NS_DISCO_ITEMS } from '../../src/core/index.js'
import { useDiscoItemsPages } from '../../src/react/index.js'
import { EXAMPLE_JIDS } from '../../src/testing/index.js'
import { RequestCounter } from '../support/probes.js'
import { useExample } from '../support/world.js'

interface ProbeProps {
  /** Who to page through; default the large directory of the example network. */
  jid?: string
  /** Items per page (1-100). */
  pageSize?: number
}

/** `useDiscoItemsPages(jid, { pageSize })`, shown: the items so far, the total, and a button for the next page. */
function PagesProbe({ jid = EXAMPLE_JIDS.directory, pageSize = 10 }: ProbeProps) {
  const { directory } = useExample()
  const pages = useDiscoItemsPages(jid, { pageSize })
  return (
    <section aria-label={`pages of ${jid}`} className="sb-probe">
      <RequestCounter entity={directory} ns={NS_DISCO_ITEMS} />
      <p>
        status: <output aria-label="status">{pages.status}</output> · <output aria-label="shown">{pages.items.length}</output> of{' '}
        <output aria-label="count">{pages.count ?? '?'}</output> items in {pages.data?.pages.length ?? 0} pages
      </p>
      <ol aria-label="items">
        {pages.items.map((item) => (
          <li key={`${item.jid} ${item.node ?? ''}`}>
            {item.name} <code>{item.node}</code>
          </li>
        ))}
      </ol>
      <button type="button" disabled={!pages.hasNextPage || pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
        {pages.isFetchingNextPage ? 'Loading…' : pages.hasNextPage ? 'Next page' : 'All items shown'}
      </button>
    </section>
  )
}

const meta = {
  title: 'Hooks/useDiscoItemsPages',
  component: PagesProbe,
  tags: ['autodocs'],
  parameters: {
    world: { live: false },
    docs: {
      description: {
        component:
          '`useDiscoItemsPages(jid, { node, pageSize })`: disco#items a page at a time (XEP-0059) over TanStack’s ' +
          '`useInfiniteQuery`: `fetchNextPage()` while `hasNextPage`, `items` so far and the total `count`. Each page ' +
          'asks for `pageSize` items (`<max>` always sent) after the previous page’s last.',
      },
    },
  },
} satisfies Meta<typeof PagesProbe>

export default meta
type Story = StoryObj<typeof meta>

/** 10,000 nodes, 10 a page: one request per page, the count from the first. */
export const PageThrough: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    await waitFor(() => expect(canvas.getByRole('status', { name: 'shown' })).toHaveTextContent(/^10$/))
    await expect(canvas.getByRole('status', { name: 'count' })).toHaveTextContent('10000')
    await expect(canvas.getByRole('list', { name: 'items' })).toHaveTextContent('Topic 1 node-00001')
    await userEvent.click(canvas.getByRole('button', { name: 'Next page' }))
    await waitFor(() => expect(canvas.getByRole('status', { name: 'shown' })).toHaveTextContent(/^20$/))
    await expect(canvas.getByRole('list', { name: 'items' })).toHaveTextContent('Topic 20 node-00020')
    await expect(canvas.getByRole('status', { name: `requests received by ${EXAMPLE_JIDS.directory}` })).toHaveTextContent(/^2$/)
  },
}

/** A list shorter than a page: one page, no next one, the count is what came. */
export const OnePage: Story = {
  args: { jid: EXAMPLE_JIDS.server, pageSize: 25 },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    await waitFor(() => expect(canvas.getByRole('status', { name: 'shown' })).toHaveTextContent(/^6$/))
    await expect(canvas.getByRole('status', { name: 'count' })).toHaveTextContent(/^6$/)
    await expect(canvas.getByRole('button', { name: 'All items shown' })).toBeDisabled()
  },
}
