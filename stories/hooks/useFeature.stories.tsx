import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { DiscoProvider, useDiscoInfo, useFeature } from '../../src/react/index.js'
import { useStatus, useWorld } from '../support/world.js'

/** Our features as the peer sees them (its own DiscoProvider asks us). */
function SeenFromPeer({ feature }: { feature: string }) {
  const { jids, me } = useWorld()
  const meOnline = useStatus(me) === 'online'
  const { data, refetch, isFetching } = useDiscoInfo(meOnline ? jids.me : null)
  const has = data === undefined ? 'unknown' : data.features.includes(feature) ? 'yes' : 'no'
  return (
    <p>
      Seen from <code>{jids.peer}</code>: we advertise <code>{feature}</code>:{' '}
      <output aria-label="advertised">{has}</output>
      {isFetching && ' (asking…)'}{' '}
      <button type="button" onClick={() => void refetch()}>
        Refetch
      </button>
    </p>
  )
}

interface Props {
  feature: string
}

function Declare({ feature }: Props) {
  const [enabled, setEnabled] = useState(true)
  const result = useFeature(feature, { enabled })
  return (
    <label>
      <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />{' '}
      <code>{`useFeature('${result.feature}', { enabled: ${String(result.enabled)} })`}</code>
    </label>
  )
}

function UseFeatureDemo({ feature }: Props) {
  const { peer } = useWorld()
  return (
    <>
      <Declare feature={feature} />
      <DiscoProvider client={peer}>
        <SeenFromPeer feature={feature} />
      </DiscoProvider>
    </>
  )
}

const meta = {
  title: 'Hooks/useFeature',
  component: UseFeatureDemo,
  tags: ['autodocs'],
  args: { feature: 'urn:xmpp:jingle:apps:file-transfer:5' },
  parameters: {
    docs: {
      description: {
        component:
          '`useFeature(var, { enabled, node })` declares a feature of our entity while the component is mounted and ' +
          '`enabled` (aioxmpp’s RegisteredFeature as a hook).',
      },
    },
  },
} satisfies Meta<typeof UseFeatureDemo>

export default meta
type Story = StoryObj<typeof meta>

/** Our client declares a feature with the hook; the peer asks us, and asks again after `enabled` flips. */
export const EnabledToggled: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const seen = await canvas.findByRole('status', { name: 'advertised' })
    await waitFor(() => expect(seen).toHaveTextContent('yes'))
    await userEvent.click(canvas.getByRole('checkbox'))
    await expect(canvas.getByText(/enabled: false/)).toBeInTheDocument()
    await userEvent.click(canvas.getByRole('button', { name: 'Refetch' }))
    await waitFor(() => expect(seen).toHaveTextContent('no'))
  },
}
