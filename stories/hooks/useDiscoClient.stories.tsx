import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { NS_DISCO_INFO } from '../../src/core/index.js'
import { useDiscoClient, useDiscoInfo } from '../../src/react/index.js'
import { RequestCounter } from '../support/probes.js'
import { useExample, useWorld } from '../support/world.js'

function Imperative({ requireFresh }: { requireFresh: boolean }) {
  const client = useDiscoClient()
  const { jids } = useWorld()
  const example = useExample()
  const hook = useDiscoInfo(jids.server)
  const [result, setResult] = useState('not asked')
  const ask = async () => {
    const info = await client.queryInfo(jids.server, { requireFresh })
    setResult(`${info.identities[0]?.category ?? '?'}/${info.identities[0]?.type ?? '?'}, ${info.features.length} features`)
  }
  return (
    <>
      <p>
        useDiscoInfo: <output aria-label="hook">{hook.status}</output>
      </p>
      <button type="button" onClick={() => void ask()}>
        client.queryInfo({JSON.stringify(jids.server)}, {`{ requireFresh: ${String(requireFresh)} }`})
      </button>
      <p>
        Result: <output aria-label="result">{result}</output>
      </p>
      <RequestCounter entity={example.server} ns={NS_DISCO_INFO} />
    </>
  )
}

const meta = {
  title: 'Hooks/useDiscoClient',
  component: Imperative,
  tags: ['autodocs'],
  args: { requireFresh: false },
  parameters: {
    world: { live: false },
    docs: {
      description: {
        component:
          '`useDiscoClient()` is the DiscoClient of the nearest provider, for imperative queries that share the hooks’ ' +
          'cache: `queryInfo`, `queryItems`, `setInfoCache`, `flushCache`, `infoQueryOptions`…',
      },
    },
  },
} satisfies Meta<typeof Imperative>

export default meta
type Story = StoryObj<typeof meta>

/** An imperative call after the hook: answered from the shared cache, nothing sent. */
export const SharesTheHooksCache: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    await waitFor(() => expect(canvas.getByRole('status', { name: 'hook' })).toHaveTextContent('success'))
    await userEvent.click(canvas.getByRole('button'))
    await waitFor(() => expect(canvas.getByRole('status', { name: 'result' })).toHaveTextContent('server/im, 7 features'))
    await expect(canvas.getByRole('status', { name: /^requests received by/ })).toHaveTextContent(/^1$/)
  },
}

/** `requireFresh` always sends. */
export const RequireFresh: Story = {
  args: { requireFresh: true },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const counter = canvas.getByRole('status', { name: /^requests received by/ })
    await waitFor(() => expect(counter).toHaveTextContent(/^1$/))
    await userEvent.click(canvas.getByRole('button'))
    await waitFor(() => expect(counter).toHaveTextContent(/^2$/))
    await expect(canvas.getByRole('status', { name: 'result' })).toHaveTextContent('server/im, 7 features')
  },
}
