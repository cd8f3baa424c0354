import type { Meta, StoryObj } from '@storybook/react-vite'
import { useSyncExternalStore } from 'react'
import { expect, userEvent, within } from 'storybook/test'
import { useDiscoServer } from '../../src/react/index.js'

function Imperative({ feature }: { feature: string }) {
  const server = useDiscoServer()
  const features = useSyncExternalStore(
    (onChange) => server.onInfoChanged(onChange),
    () => [...server.iterFeatures()].join(' '),
  )
  const registered = features.split(' ').includes(feature)
  return (
    <>
      <button type="button" onClick={() => (registered ? server.unregisterFeature(feature) : server.registerFeature(feature))}>
        {registered ? 'unregisterFeature' : 'registerFeature'}({JSON.stringify(feature)})
      </button>
      <p>
        Our features: <output aria-label="our features">{features}</output>
      </p>
    </>
  )
}

const meta = {
  title: 'Hooks/useDiscoServer',
  component: Imperative,
  tags: ['autodocs'],
  args: { feature: 'urn:example:imperative' },
  parameters: {
    docs: {
      description: {
        component:
          '`useDiscoServer()` is the DiscoServer of the nearest provider: the root node of our entity, for imperative ' +
          'declarations (`registerFeature`, `mountNode`, `onInfoChanged`…).',
      },
    },
  },
} satisfies Meta<typeof Imperative>

export default meta
type Story = StoryObj<typeof meta>

/** Strict register/unregister, observed through onInfoChanged. */
export const RegisterImperatively: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const features = canvas.getByRole('status', { name: 'our features' })
    await expect(features).toHaveTextContent(
      /^http:\/\/jabber\.org\/protocol\/disco#info http:\/\/jabber\.org\/protocol\/disco#items$/,
    )
    await userEvent.click(canvas.getByRole('button', { name: /^registerFeature/ }))
    await expect(features).toHaveTextContent('urn:example:imperative')
    await userEvent.click(canvas.getByRole('button', { name: /^unregisterFeature/ }))
    await expect(features).not.toHaveTextContent('urn:example:imperative')
  },
}
