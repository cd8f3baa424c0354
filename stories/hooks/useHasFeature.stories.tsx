import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, waitFor, within } from 'storybook/test'
import { useHasFeature } from '../../src/react/index.js'
import { EXAMPLE_FEATURES, EXAMPLE_JIDS } from '../../src/testing/index.js'

interface ProbeProps {
  jid: string
  feature: string
}

/** `useHasFeature(jid, feature)`, shown. */
function HasFeature({ jid, feature }: ProbeProps) {
  const { supported, status, error } = useHasFeature(jid, feature)
  return (
    <p>
      Does <code>{jid}</code> support <code>{feature}</code>?{' '}
      <output aria-label="supported">{supported === undefined ? 'unknown' : supported ? 'yes' : 'no'}</output> (query{' '}
      {status}
      {error && `: ${error.message}`})
    </p>
  )
}

const meta = {
  title: 'Hooks/useHasFeature',
  component: HasFeature,
  tags: ['autodocs'],
  args: { jid: EXAMPLE_JIDS.peer, feature: EXAMPLE_FEATURES.jingle },
  parameters: {
    world: { live: false, slowLatency: 800 },
    docs: {
      description: {
        component:
          '`useHasFeature(jid, feature, { node })` → `{ supported: true | false | undefined, ...query }`: undefined while ' +
          'unknown or when the query failed.',
      },
    },
  },
} satisfies Meta<typeof HasFeature>

export default meta
type Story = StoryObj<typeof meta>

const supported = (canvasElement: HTMLElement) => within(canvasElement).findByRole('status', { name: 'supported' })

/** Juliet’s client advertises Jingle. */
export const Supported: Story = {
  play: async ({ canvasElement }) => {
    const output = await supported(canvasElement)
    await waitFor(() => expect(output).toHaveTextContent('yes'))
  },
}

/** Benvolio’s phone does not. */
export const NotSupported: Story = {
  args: { jid: EXAMPLE_JIDS.otherPeer },
  play: async ({ canvasElement }) => {
    const output = await supported(canvasElement)
    await waitFor(() => expect(output).toHaveTextContent('no'))
  },
}

/** Unknown while the answer travels (a slow service), then known. */
export const Unknown: Story = {
  args: { jid: EXAMPLE_JIDS.slow, feature: 'urn:example:slow' },
  play: async ({ canvasElement }) => {
    const output = await supported(canvasElement)
    await expect(output).toHaveTextContent('unknown')
    await waitFor(() => expect(output).toHaveTextContent('yes'), { timeout: 3000 })
  },
}

/** A failed query: unknown, with the error beside it. */
export const QueryFailed: Story = {
  args: { jid: EXAMPLE_JIDS.broken },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    await waitFor(() => expect(canvas.getByText(/query error: internal-server-error/)).toBeInTheDocument())
    await expect(await supported(canvasElement)).toHaveTextContent('unknown')
  },
}
