import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, waitFor, within } from 'storybook/test'
import { useFindServices } from '../../src/react/index.js'
import { EXAMPLE_FEATURES, EXAMPLE_JIDS } from '../../src/testing/index.js'

interface ProbeProps {
  /** The feature a service must advertise. */
  feature: string
  /** Whose items to look through; default our server. */
  jid?: string
  /** Milliseconds each query waits. */
  timeout?: number
}

/** `useFindServices(feature, { jid })`, shown. */
function FindProbe({ feature, jid, timeout }: ProbeProps) {
  const found = useFindServices(feature, { jid, timeout })
  return (
    <section aria-label={`services with ${feature}`} className="sb-probe">
      <p>
        {found.isPending && `checking ${found.checked} of ${found.total ?? '?'} items…`}
        {found.isError && <span role="alert">{found.error?.message}</span>}
      </p>
      {found.data && (
        <ul aria-label="found">
          {found.data.length === 0 && <li>none</li>}
          {found.data.map((service) => (
            <li key={`${service.jid} ${service.node ?? ''}`}>
              {service.name ?? service.jid} <code>{service.jid}</code> ({service.info.identities.map((i) => `${i.category}/${i.type}`).join(', ')})
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

const meta = {
  title: 'Hooks/useFindServices',
  component: FindProbe,
  tags: ['autodocs'],
  args: { feature: EXAMPLE_FEATURES.upload, timeout: 1000 },
  parameters: {
    world: { live: false, slowLatency: 100 },
    docs: {
      description: {
        component:
          '`useFindServices(feature, { jid })`: the items of our server (or `jid`) whose disco#info has the feature, ' +
          'asking at most 6 infos at once; a service whose info fails (broken, silent) is left out. Everything goes ' +
          'through the cache the other hooks share. Core: `discoClient.findServices(feature, { jid })`.',
      },
    },
  },
} satisfies Meta<typeof FindProbe>

export default meta
type Story = StoryObj<typeof meta>

/** Where is the HTTP upload service? */
export const HttpUpload: Story = {
  play: async ({ canvasElement }) => {
    const list = await within(canvasElement).findByRole('list', { name: 'found' }, { timeout: 5000 })
    await expect(within(list).getAllByRole('listitem')).toHaveLength(1)
    await expect(list).toHaveTextContent(`HTTP File Upload ${EXAMPLE_JIDS.upload} (store/file)`)
  },
}

/** The MUC service. */
export const Conference: Story = {
  args: { feature: EXAMPLE_FEATURES.muc },
  play: async ({ canvasElement }) => {
    const list = await within(canvasElement).findByRole('list', { name: 'found' }, { timeout: 5000 })
    await waitFor(() => expect(list).toHaveTextContent(`Chatrooms ${EXAMPLE_JIDS.conference} (conference/text)`))
  },
}
