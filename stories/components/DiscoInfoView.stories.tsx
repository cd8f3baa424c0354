import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, waitFor, within } from 'storybook/test'
import { DiscoInfoView } from '../../src/react/index.js'
import type { DiscoInfo } from '../../src/core/index.js'
import { EXAMPLE_JIDS } from '../../src/testing/index.js'
import { useWorld } from '../support/world.js'

const SAMPLE: DiscoInfo = {
  identities: [
    { category: 'client', type: 'pc', name: 'Psi' },
    { category: 'client', type: 'pc', name: 'Пси', lang: 'ru' },
    { category: 'client', type: 'pc', name: 'Ψ', lang: 'el' },
  ],
  features: ['http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/caps', 'urn:xmpp:jingle:1'],
  forms: [
    {
      type: 'result',
      fields: [
        { var: 'FORM_TYPE', type: 'hidden', values: ['urn:xmpp:dataforms:softwareinfo'] },
        { var: 'software', values: ['Psi'] },
        { var: 'software_version', values: ['0.11'] },
        { var: 'os', label: 'Operating system', values: ['Debian'] },
        { var: 'ip_version', values: ['ipv4', 'ipv6'] },
      ],
    },
  ],
}

/** Queries the story's server when neither info nor jid is given. */
function View(props: Parameters<typeof DiscoInfoView>[0] | Record<string, never>) {
  const { jids } = useWorld()
  if ('info' in props && props.info) return <DiscoInfoView {...props} />
  if ('jid' in props && props.jid) return <DiscoInfoView {...props} />
  return <DiscoInfoView jid={jids.server} />
}

const meta = {
  title: 'Components/DiscoInfoView',
  component: DiscoInfoView,
  tags: ['autodocs'],
  render: (args) => <View {...(args as Parameters<typeof DiscoInfoView>[0])} />,
  parameters: {
    docs: {
      description: {
        component:
          '`<DiscoInfoView info>` or `<DiscoInfoView jid node?>`: identities (grouped by category/type, names per ' +
          'language), features, and extended-info forms (XEP-0128 data forms: each field’s var and values).',
      },
    },
  },
} satisfies Meta<typeof DiscoInfoView>

export default meta
type Story = StoryObj<typeof meta>

/** Given data: no query at all. Names in three languages, a multi-valued field, a labelled one. */
export const FromData: Story = {
  args: { info: SAMPLE },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    await expect(canvas.getByRole('region', { name: 'Identities' })).toHaveTextContent('client/pc: Psi, Пси (ru), Ψ (el)')
    await expect(canvas.getByText('Пси')).toHaveAttribute('lang', 'ru')
    await expect(canvas.getByRole('region', { name: 'Features' })).toHaveTextContent('Features (3)')
    const form = canvas.getByRole('table', { name: 'urn:xmpp:dataforms:softwareinfo' })
    await expect(within(form).getByRole('rowheader', { name: 'software_version' })).toBeInTheDocument()
    await expect(within(form).getByRole('row', { name: /Operating system/ })).toHaveTextContent('Debian')
    await expect(within(form).getByRole('row', { name: /ip_version/ })).toHaveTextContent('ipv4ipv6')
    await expect(within(form).queryByText('FORM_TYPE')).toBeNull()
  },
}

/** Queried: the server’s info with its XEP-0157 contact addresses form. */
export const ServerInfo: Story = {
  args: { jid: EXAMPLE_JIDS.server },
  parameters: { world: { live: false } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const form = await canvas.findByRole('table', { name: 'http://jabber.org/network/serverinfo' })
    await expect(within(form).getByRole('row', { name: /abuse-addresses/ })).toHaveTextContent(
      'mailto:abuse@example.orgxmpp:abuse@example.org',
    )
    await expect(canvas.getByRole('region', { name: 'Identities' })).toHaveTextContent('server/im: Example Server')
  },
}

/** A chat room’s muc#roominfo form. */
export const RoomInfo: Story = {
  args: { jid: EXAMPLE_JIDS.room },
  parameters: { world: { live: false } },
  play: async ({ canvasElement }) => {
    const form = await within(canvasElement).findByRole('table', { name: 'http://jabber.org/protocol/muc#roominfo' })
    await expect(form).toHaveTextContent('muc#roominfo_descriptionEveryone meets here')
  },
}

/** Loading, then an error reply shown as an alert. */
export const LoadingThenError: Story = {
  args: { jid: EXAMPLE_JIDS.broken },
  parameters: { world: { live: false, latency: 300 } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    await expect(await canvas.findByText('Loading…')).toBeInTheDocument()
    await waitFor(() => expect(canvas.getByRole('alert')).toHaveTextContent('internal-server-error'), { timeout: 3000 })
  },
}
