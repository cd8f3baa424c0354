import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { ChatClient as App } from './showcase/ChatClient.js'
import { MONTAGUE_CHAT } from './showcase/verona.js'

/** What the docs page says of it. */
const about =
  'A small chat client built on react-xmpp-disco, on the simulated network. The roster’s badges come from ' +
  'each contact’s disco#info through entity capabilities (one query per client version); the call buttons sit ' +
  'behind `<FeatureGate>`; the server panel finds the upload and group-chat services (`useFindServices`) and ' +
  'browses the rooms (`<DiscoBrowser>`); the switches of *Your client* mount `<Feature>`s, and Juliet’s own ' +
  'client (her own `DiscoProvider`) sees the change live. `<DiscoDevtools>` underneath shows it all on the wire.'

const meta = {
  title: 'Showcase',
  component: App,
  args: { devtools: true },
  parameters: {
    layout: 'padded',
    // Romeo runs Montague Chat with entity capabilities, on the simulated network.
    world: { live: false, caps: MONTAGUE_CHAT.node, banner: false, latency: 15, slowLatency: 300 },
    docs: { description: { component: about } },
    screenshot: { width: 1360, height: 1330 },
  },
} satisfies Meta<typeof App>

export default meta
type Story = StoryObj<typeof meta>

/**
 * The whole client. Turn on *Video calls* under *Your client*: Juliet’s view of you follows (her client asks your
 * new caps ver once), and the devtools log shows your info change and her query.
 */
export const ChatClient: Story = {
  tags: ['screenshot'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    // The roster fills in from the contacts' caps: what each client supports.
    const juliet = await canvas.findByRole('list', { name: 'What Juliet’s client supports' }, { timeout: 10_000 })
    await expect(within(juliet).getByText('Video calls')).toBeInTheDocument()
    const friar = await canvas.findByRole('list', { name: 'What Friar Laurence’s client supports' }, { timeout: 10_000 })
    await expect(within(friar).queryByText('Video calls')).toBeNull()
    await expect(await canvas.findByRole('button', { name: 'Video call Juliet' })).toBeEnabled()

    // Juliet's own client sees us without video calls; we turn them on, and her view follows.
    const seen = await canvas.findByRole('list', { name: 'What Juliet sees you support' }, { timeout: 10_000 })
    const video = () => seen.querySelector('[data-capability="video"]')
    await expect(video()).toHaveAttribute('data-supported', 'false')
    await userEvent.click(canvas.getByRole('switch', { name: 'Video calls' }))
    await waitFor(() => expect(video()).toHaveAttribute('data-supported', 'true'), { timeout: 10_000 })

    // The devtools say what happened: our info changed, and Juliet asked for our new caps ver.
    const log = canvas.getByRole('table', { name: 'Disco traffic' })
    await waitFor(() => expect(log).toHaveTextContent('+ urn:xmpp:jingle:apps:rtp:video'))
    const servedToJuliet = () =>
      within(log)
        .getAllByRole('row')
        .filter((row) => row.dataset.type === 'served' && row.textContent?.includes('juliet@example.org/web'))
    await waitFor(() => expect(servedToJuliet().some((row) => row.textContent?.includes(`${MONTAGUE_CHAT.node}#`))).toBe(true))

    // Friar Laurence's old client takes no calls: no call offered.
    await userEvent.click(canvas.getByRole('button', { name: 'Friar Laurence' }))
    await expect(await canvas.findByRole('button', { name: /^Video call: Friar Laurence’s client cannot take video calls/ })).toBeDisabled()
    await userEvent.click(canvas.getByRole('button', { name: 'Juliet' }))
    await expect(await canvas.findByRole('button', { name: 'Audio call Juliet' })).toBeEnabled()

    // The server panel found its services.
    await waitFor(() => expect(canvas.getByRole('listitem', { name: 'File uploads' })).toHaveTextContent('upload.example.org, up to 100 MB'), {
      timeout: 5000,
    })
    await expect(canvas.getByRole('listitem', { name: 'Group chats' })).toHaveTextContent('conference.example.org')
    // ...and browses the rooms of the group-chat service it found.
    const balcony = await canvas.findByRole('treeitem', { name: /Balcony scenes/ }, { timeout: 5000 })
    await waitFor(() => expect(balcony).toHaveTextContent('members only · hidden'))
    // No focus ring in the picture.
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur()
  },
}
