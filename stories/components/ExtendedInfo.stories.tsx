import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import type { FormFields } from '../../src/core/index.js'
import { DiscoInfoView, ExtendedInfo, SoftwareInfo } from '../../src/react/index.js'
import { OnPeer, RefetchAll, WhenPeerOnline } from './declare.js'

interface PublishedProps {
  /** <SoftwareInfo name>. */
  name: string
  /** <SoftwareInfo version>. */
  version: string
  /** <SoftwareInfo os>. */
  os?: string
  /** <ExtendedInfo formType>. */
  formType: string
  /** <ExtendedInfo fields>: var -> value or values. */
  fields: FormFields
}

/** The peer's own DiscoProvider publishes both forms while the box is checked; we ask the peer. */
function Published({ name, version, os, formType, fields }: PublishedProps) {
  return (
    <>
      <OnPeer
        label={
          <>
            render <code>{`<SoftwareInfo name="${name}" version="${version}" />`}</code> and{' '}
            <code>{`<ExtendedInfo formType="${formType}" fields={…} />`}</code>
          </>
        }
      >
        <SoftwareInfo name={name} version={version} os={os} />
        <ExtendedInfo formType={formType} fields={fields} />
      </OnPeer>
      <WhenPeerOnline>{(peer) => <DiscoInfoView jid={peer} headingLevel={4} />}</WhenPeerOnline>
      <RefetchAll />
    </>
  )
}

const meta = {
  title: 'Components/ExtendedInfo',
  component: Published,
  tags: ['autodocs'],
  args: {
    name: 'Chat',
    version: '1.2',
    os: 'Linux',
    formType: 'http://jabber.org/network/serverinfo',
    fields: { 'abuse-addresses': ['mailto:abuse@example.org', 'xmpp:abuse@example.org'], 'admin-addresses': 'xmpp:admin@example.org' },
  },
  parameters: {
    docs: {
      description: {
        component:
          '`<ExtendedInfo formType fields>` publishes a XEP-0128 form (a hidden FORM_TYPE, one field per var) in our ' +
          'disco#info while mounted; `<SoftwareInfo name version os? osVersion?>` is the XEP-0232 one ' +
          '(urn:xmpp:dataforms:softwareinfo). Both are reference-counted per FORM_TYPE and enter the entity caps hashes. ' +
          'Here the *peer* publishes them and *we* read them with `<DiscoInfoView>`.',
      },
    },
  },
} satisfies Meta<typeof Published>

export default meta
type Story = StoryObj<typeof meta>

const seenPlay: Story['play'] = async ({ canvasElement }) => {
  const canvas = within(canvasElement)
  const software = await canvas.findByRole('table', { name: 'urn:xmpp:dataforms:softwareinfo' }, { timeout: 10_000 })
  await expect(within(software).getByRole('row', { name: /software_version/ })).toHaveTextContent('1.2')
  await expect(within(software).getByRole('row', { name: /^software Chat/ })).toBeInTheDocument()
  await expect(within(software).getByRole('row', { name: /^os / })).toHaveTextContent('Linux')
  const serverInfo = canvas.getByRole('table', { name: 'http://jabber.org/network/serverinfo' })
  await expect(within(serverInfo).getByRole('row', { name: /abuse-addresses/ })).toHaveTextContent(
    'mailto:abuse@example.orgxmpp:abuse@example.org',
  )
  // Unmounted on the peer: gone from its answer at our next query.
  await userEvent.click(canvas.getByRole('checkbox'))
  await userEvent.click(canvas.getByRole('button', { name: 'Refetch' }))
  await waitFor(() => expect(canvas.queryByRole('table', { name: 'urn:xmpp:dataforms:softwareinfo' })).toBeNull(), {
    timeout: 10_000,
  })
  await expect(canvas.queryByRole('region', { name: 'Extended information' })).toBeNull()
}

/** Juliet’s client publishes its software and a XEP-0157 contact form; Romeo’s reads both, then sees them go. */
export const SeenByAPeer: Story = { play: seenPlay }

/** The same between two accounts of a real Prosody (alice reads bob’s forms through the server). */
export const LiveSeenByAPeer: Story = {
  tags: ['screenshot'],
  globals: { network: 'live' },
  play: seenPlay,
}
