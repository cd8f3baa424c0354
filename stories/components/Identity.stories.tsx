import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { DiscoInfoView, Identity } from '../../src/react/index.js'
import type { IdentityProps } from '../../src/react/index.js'
import { OnPeer, RefetchAll, WhenPeerOnline } from './declare.js'

function IdentityDemo(props: IdentityProps) {
  return (
    <>
      <OnPeer label={`render <Identity category="${props.category}" type="${props.type}" …/>`}>
        <Identity {...props} />
      </OnPeer>
      <WhenPeerOnline>{(peer) => <DiscoInfoView jid={peer} headingLevel={4} />}</WhenPeerOnline>
      <RefetchAll />
    </>
  )
}

const meta = {
  title: 'Components/Identity',
  component: IdentityDemo,
  tags: ['autodocs'],
  args: { category: 'client', type: 'web', names: { '': 'Chat', fr: 'Discussion', de: 'Unterhaltung' } },
  parameters: {
    docs: {
      description: {
        component:
          '`<Identity category type name? names?>` declares an identity while mounted; `names` maps xml:lang to a ' +
          'name. The first one on the root replaces the default client/bot identity.',
      },
    },
  },
} satisfies Meta<typeof IdentityDemo>

export default meta
type Story = StoryObj<typeof meta>

/** The peer declares client/web with names in three languages; we see them, and see them go after unmount + refetch. */
export const NamesPerLanguage: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const identities = await canvas.findByRole('region', { name: 'Identities' }, { timeout: 10_000 })
    await waitFor(() => expect(identities).toHaveTextContent('client/web: Chat, Unterhaltung (de), Discussion (fr)'))
    await expect(within(identities).getByText('Discussion')).toHaveAttribute('lang', 'fr')
    await userEvent.click(canvas.getByRole('checkbox'))
    await userEvent.click(canvas.getByRole('button', { name: 'Refetch' }))
    await waitFor(() => expect(identities).not.toHaveTextContent('client/web'))
  },
}
