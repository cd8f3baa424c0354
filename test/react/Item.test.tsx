import { cleanup } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { Item } from '../../src/react/index.js'
import type { ItemProps } from '../../src/react/index.js'
import { itemsSeen, rawItemsSeen, renderWithDisco, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

function Items({ list }: { list: ItemProps[] }) {
  return (
    <>
      {list.map((props, i) => (
        <Item key={i} {...props} />
      ))}
    </>
  )
}

describe('<Item>', () => {
  it('lists its jid, node and name in the root disco#items while mounted', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Item jid="pubsub.example.org" node="news" name="News" />)
    expect((await itemsSeen(alice, bob)).items).toEqual([{ jid: 'pubsub.example.org', node: 'news', name: 'News' }])
  })

  it('is gone from disco#items once it unmounts', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Item jid="pubsub.example.org" />)
    rerender(<></>)
    expect((await itemsSeen(alice, bob)).items).toEqual([])
  })

  it('replaces the old jid with the new one when its jid changes', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Item jid="old.example.org" />)
    rerender(<Item jid="new.example.org" />)
    expect((await itemsSeen(alice, bob)).items).toEqual([{ jid: 'new.example.org' }])
  })

  it('replaces the old name when its name changes', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Item jid="muc.example.org" name="Old" />)
    rerender(<Item jid="muc.example.org" name="New" />)
    expect((await itemsSeen(alice, bob)).items).toEqual([{ jid: 'muc.example.org', name: 'New' }])
  })

  it('lists the jid in its normalised form', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Item jid="Room@MUC.Example.org" />)
    // Raw attributes: parseItems on the asking side would normalise by itself.
    expect((await rawItemsSeen(alice, bob)).map((item) => item.attrs.jid)).toEqual(['room@muc.example.org'])
  })

  it('lists an item declared twice once, until the second declaration unmounts', async () => {
    const { alice, bob } = setup()
    const muc = { jid: 'muc.example.org', name: 'Rooms' }
    const { rerender } = renderWithDisco(bob, <Items list={[muc, muc]} />)
    expect(await rawItemsSeen(alice, bob)).toHaveLength(1)

    rerender(<Items list={[muc]} />)
    expect((await itemsSeen(alice, bob)).items).toEqual([muc])

    rerender(<Items list={[]} />)
    expect((await itemsSeen(alice, bob)).items).toEqual([])
  })
})
