import { cleanup } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoServer, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/index.js'
import { DiscoNode, Feature, Identity, Item } from '../../src/react/index.js'
import {
  asXmpp,
  errorSeen,
  identityList,
  infoSeen,
  itemsSeen,
  renderWithDisco,
  settle,
  setup,
} from '../helpers/renderWithDisco.js'

afterEach(cleanup)

function Leaf({ node = 'n', listed = false }: { node?: string; listed?: boolean }) {
  return (
    <DiscoNode node={node} listed={listed} name="Leaf">
      <Identity category="hierarchy" type="leaf" name="Leaf" />
      <Feature var="urn:example:on-node" />
      <Item jid="child.example.org" node="c" />
    </DiscoNode>
  )
}

describe('<DiscoNode>', () => {
  it('answers disco#info at its node with what its children declare, node echoed', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Leaf />)
    const info = await infoSeen(alice, bob, 'n')
    expect(info.node).toBe('n')
    expect(identityList(info)).toEqual(['hierarchy/leaf=Leaf'])
    expect(info.features).toEqual([NS_DISCO_INFO, 'urn:example:on-node'])
  })

  it('answers disco#items at its node with its <Item> children, node echoed', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Leaf />)
    expect(await itemsSeen(alice, bob, 'n')).toEqual({ node: 'n', items: [{ jid: 'child.example.org', node: 'c' }] })
  })

  it('keeps its children’s declarations off the root', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Leaf />)
    const root = await infoSeen(alice, bob)
    expect(identityList(root)).toEqual(['client/bot'])
    expect(root.features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS])
    expect((await itemsSeen(alice, bob)).items).toEqual([])
  })

  it('answers item-not-found at its node after it unmounts', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Leaf />)
    expect(await errorSeen(alice, bob, NS_DISCO_INFO, 'n')).toBeUndefined()
    rerender(<></>)
    expect(await errorSeen(alice, bob, NS_DISCO_INFO, 'n')).toBe('item-not-found')
    expect(await errorSeen(alice, bob, NS_DISCO_ITEMS, 'n')).toBe('item-not-found')
  })

  it('answers item-not-found while it has no <Identity> (every node has one)', async () => {
    const { alice, bob } = setup()
    renderWithDisco(
      bob,
      <DiscoNode node="n">
        <Feature var="urn:example:on-node" />
      </DiscoNode>,
    )
    expect(await errorSeen(alice, bob, NS_DISCO_INFO, 'n')).toBe('item-not-found')
  })

  it('is listed in the root disco#items with our JID, its node and name when listed', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Leaf listed />)
    expect((await itemsSeen(alice, bob)).items).toEqual([{ jid: 'bob@example.org/b', node: 'n', name: 'Leaf' }])
  })

  it('leaves the root disco#items once a listed node unmounts', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Leaf listed />)
    rerender(<></>)
    expect((await itemsSeen(alice, bob)).items).toEqual([])
  })

  it('moves its children’s declarations to the new mountpoint when its node changes', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Leaf node="n1" />)
    rerender(<Leaf node="n2" />)
    expect(await errorSeen(alice, bob, NS_DISCO_INFO, 'n1')).toBe('item-not-found')
    const info = await infoSeen(alice, bob, 'n2')
    expect(info.node).toBe('n2')
    expect(info.features).toContain('urn:example:on-node')
    expect((await itemsSeen(alice, bob, 'n2')).items).toEqual([{ jid: 'child.example.org', node: 'c' }])
  })

  it('keeps a mountpoint two <DiscoNode>s share until the second unmounts', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(
      bob,
      <>
        <Leaf />
        <DiscoNode node="n">
          <Feature var="urn:example:second" />
        </DiscoNode>
      </>,
    )
    expect((await infoSeen(alice, bob, 'n')).features).toEqual([NS_DISCO_INFO, 'urn:example:on-node', 'urn:example:second'])

    rerender(<Leaf />)
    expect((await infoSeen(alice, bob, 'n')).features).toEqual([NS_DISCO_INFO, 'urn:example:on-node'])

    rerender(<></>)
    expect(await errorSeen(alice, bob, NS_DISCO_INFO, 'n')).toBe('item-not-found')
  })

  it('is forgotten once it unmounts with its children, so a node per chat room does not stay', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Leaf node="room-1" />)
    const server = DiscoServer.for(asXmpp(bob))
    const mounted = server.getNode('room-1')
    expect(mounted).toBe(server.declaredNode('room-1'))
    rerender(<></>)
    await settle()
    expect(server.declaredNode('room-1')).not.toBe(mounted)
    // Mounted again, it answers as before.
    rerender(<Leaf node="room-1" />)
    expect((await infoSeen(alice, bob, 'room-1')).features).toContain('urn:example:on-node')
  })

  it('lets a <Feature node> after it declare on its mountpoint', async () => {
    const { alice, bob } = setup()
    renderWithDisco(
      bob,
      <>
        <Leaf />
        <Feature var="urn:example:from-outside" node="n" />
      </>,
    )
    expect((await infoSeen(alice, bob, 'n')).features).toContain('urn:example:from-outside')
    expect((await infoSeen(alice, bob)).features).not.toContain('urn:example:from-outside')
  })

  it('lets a <Feature node> before it (effects run first) declare on its mountpoint', async () => {
    const { alice, bob } = setup()
    renderWithDisco(
      bob,
      <>
        <Feature var="urn:example:from-before" node="n" />
        <Leaf />
      </>,
    )
    expect((await infoSeen(alice, bob, 'n')).features).toContain('urn:example:from-before')
    expect((await infoSeen(alice, bob)).features).not.toContain('urn:example:from-before')
  })
})
