import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { Feature, useHasFeature } from '../../src/react/index.js'
import { EXAMPLE_FEATURES } from '../../src/testing/index.js'
import { useStatus, useWorld } from '../support/world.js'
import { OnPeer } from './declare.js'

const VIDEO = EXAMPLE_FEATURES.jingleVideo

/** What our client (the story's DiscoProvider) sees of the peer, with a refetch button. */
function SeenFromMe({ feature }: { feature: string }) {
  const { jids, peer } = useWorld()
  // Ask only once the peer's session is up (live mode connects both clients).
  const peerOnline = useStatus(peer) === 'online'
  const { supported, refetch, isFetching, error } = useHasFeature(peerOnline ? jids.peer : null, feature)
  return (
    <fieldset>
      <legend>
        Seen from <code>{jids.me}</code>
      </legend>
      <p>
        <code>{jids.peer}</code> supports video calls:{' '}
        <output aria-label="peer supports video">
          {supported === undefined ? 'unknown' : supported ? 'yes' : 'no'}
        </output>
        {isFetching && ' (asking…)'}
        {error && ` (${error.message})`}
      </p>
      <button type="button" onClick={() => void refetch()}>
        Refetch
      </button>
    </fieldset>
  )
}

interface ToggleProps {
  /** The feature the peer declares while the box is checked. */
  feature: string
}

/** The peer's own DiscoProvider declares <Feature> while the box is checked. */
function FeatureOnPeer({ feature }: ToggleProps) {
  return (
    <>
      <OnPeer
        initiallyOn={false}
        label={
          <>
            render <code>{`<Feature var="${feature}" />`}</code>
          </>
        }
      >
        <Feature var={feature} />
      </OnPeer>
      <SeenFromMe feature={feature} />
    </>
  )
}

const meta = {
  title: 'Components/Feature',
  component: FeatureOnPeer,
  tags: ['autodocs'],
  args: { feature: VIDEO },
  parameters: {
    docs: {
      description: {
        component:
          '`<Feature var node?>` declares a feature of our entity while mounted (reference-counted; all declarations ' +
          'of one commit make one change). Here the *peer* renders it in its own DiscoProvider and *we* ask the ' +
          'peer: results are cached until refetched (turn on entity caps for pushed updates).',
      },
    },
  },
} satisfies Meta<typeof FeatureOnPeer>

export default meta
type Story = StoryObj<typeof meta>

const togglePlay: Story['play'] = async ({ canvasElement }) => {
  const canvas = within(canvasElement)
  const seen = await canvas.findByRole('status', { name: 'peer supports video' }, { timeout: 10_000 })
  await waitFor(() => expect(seen).toHaveTextContent('no'), { timeout: 10_000 })
  // Declared on the peer: our cached answer stays until we refetch.
  await userEvent.click(canvas.getByRole('checkbox'))
  await expect(seen).toHaveTextContent('no')
  await userEvent.click(canvas.getByRole('button', { name: 'Refetch' }))
  await waitFor(() => expect(seen).toHaveTextContent('yes'), { timeout: 10_000 })
  // Withdrawn on unmount.
  await userEvent.click(canvas.getByRole('checkbox'))
  await userEvent.click(canvas.getByRole('button', { name: 'Refetch' }))
  await waitFor(() => expect(seen).toHaveTextContent('no'), { timeout: 10_000 })
}

/** Toggle a <Feature> on Juliet’s client and ask again from Romeo’s. */
export const ToggledOnAnotherEntity: Story = { play: togglePlay }

/** The same between two accounts of a real Prosody (alice asks bob through the server). */
export const LiveToggle: Story = {
  tags: ['screenshot'],
  globals: { network: 'live' },
  play: togglePlay,
}
