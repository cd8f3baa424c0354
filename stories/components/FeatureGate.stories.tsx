import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, waitFor, within } from 'storybook/test'
import { FeatureGate } from '../../src/react/index.js'
import type { FeatureGateProps } from '../../src/react/index.js'
import { EXAMPLE_FEATURES, EXAMPLE_JIDS } from '../../src/testing/index.js'

/** Who each JID of the example network is, for the contact card. */
const NAMES: Record<string, string> = {
  [EXAMPLE_JIDS.peer]: 'Juliet',
  [EXAMPLE_JIDS.otherPeer]: 'Benvolio',
  [EXAMPLE_JIDS.slow]: 'Slow service',
  [EXAMPLE_JIDS.broken]: 'Broken service',
}

/** A contact card whose Call button sits behind the gate: shown only when the contact's client supports calls. */
function CallButton(props: FeatureGateProps) {
  const jid = typeof props.jid === 'string' ? props.jid : String(props.jid ?? '')
  const name = NAMES[jid] ?? jid
  return (
    <div className="sb-card sb-row">
      <span className="sb-avatar" aria-hidden="true">
        {name[0]}
      </span>
      <span style={{ flex: 1 }}>
        <strong>{name}</strong>
        <br />
        <code>{jid}</code> · gate on <code>{props.feature}</code>
      </span>
      <FeatureGate
        pending={<p role="status" className="sb-note">Checking what the peer supports…</p>}
        fallback={(error) => <p className="sb-note">{error ? `Cannot tell (${error.message}): no call button` : 'No Jingle: no call button'}</p>}
        {...props}
      >
        <button type="button" className="sb-call">
          Call
        </button>
      </FeatureGate>
    </div>
  )
}

const meta = {
  title: 'Components/FeatureGate',
  component: FeatureGate,
  tags: ['autodocs'],
  args: { jid: EXAMPLE_JIDS.peer, feature: EXAMPLE_FEATURES.jingle },
  render: (args) => <CallButton {...args} />,
  parameters: {
    world: { live: false, slowLatency: 800 },
    docs: {
      description: {
        component:
          '`<FeatureGate jid feature node? pending? fallback?>` renders its children only when the entity supports the ' +
          'feature, `pending` while unknown, `fallback` when not supported or on error (a function fallback gets the error).',
      },
    },
  },
} satisfies Meta<typeof FeatureGate>

export default meta
type Story = StoryObj<typeof meta>

export const Supported: Story = {
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('button', { name: 'Call' })).toBeInTheDocument()
  },
}

export const NotSupported: Story = {
  args: { jid: EXAMPLE_JIDS.otherPeer },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    await expect(await canvas.findByText('No Jingle: no call button')).toBeInTheDocument()
    await expect(canvas.queryByRole('button', { name: 'Call' })).toBeNull()
  },
}

/** `pending` while a slow service answers, then the children. */
export const Pending: Story = {
  args: { jid: EXAMPLE_JIDS.slow, feature: 'urn:example:slow' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    await expect(await canvas.findByText('Checking what the peer supports…')).toBeInTheDocument()
    await waitFor(() => expect(canvas.getByRole('button', { name: 'Call' })).toBeInTheDocument(), { timeout: 3000 })
  },
}

/** The query failed: the fallback, given the error. */
export const ErrorFallback: Story = {
  args: { jid: EXAMPLE_JIDS.broken },
  play: async ({ canvasElement }) => {
    const text = await within(canvasElement).findByText(/^Cannot tell \(internal-server-error/)
    await expect(text).toHaveTextContent('Cannot tell (internal-server-error: The simulated service is broken): no call button')
  },
}
