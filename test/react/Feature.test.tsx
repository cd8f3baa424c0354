import { act, cleanup } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoServer, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/index.js'
import { Feature } from '../../src/react/index.js'
import { asXmpp, infoSeen, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

function Features({ vars }: { vars: string[] }) {
  return (
    <>
      {vars.map((v, i) => (
        <Feature key={i} var={v} />
      ))}
    </>
  )
}

describe('<Feature>', () => {
  it('advertises its var to the network while mounted, after StrictMode mount/unmount/mount', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    expect((await infoSeen(alice, bob)).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS, 'urn:example:a'])
  })

  it('withdraws its var when it unmounts', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Feature var="urn:example:a" />)
    rerender(<></>)
    expect((await infoSeen(alice, bob)).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS])
  })

  it('keeps a var declared twice until the second declaration unmounts', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Features vars={['urn:example:a', 'urn:example:a']} />)
    expect((await infoSeen(alice, bob)).features).toContain('urn:example:a')

    rerender(<Features vars={['urn:example:a']} />)
    expect((await infoSeen(alice, bob)).features).toContain('urn:example:a')

    rerender(<Features vars={[]} />)
    expect((await infoSeen(alice, bob)).features).not.toContain('urn:example:a')
  })

  it('re-registers when its var changes: the old var goes, the new one comes', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Feature var="urn:example:old" />)
    rerender(<Feature var="urn:example:new" />)
    const { features } = await infoSeen(alice, bob)
    expect(features).toContain('urn:example:new')
    expect(features).not.toContain('urn:example:old')
  })

  it('leaves a var alone that another <Feature> still declares when one changes away from it', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Features vars={['urn:example:a', 'urn:example:a']} />)
    rerender(<Features vars={['urn:example:a', 'urn:example:b']} />)
    const { features } = await infoSeen(alice, bob)
    expect(features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS, 'urn:example:a', 'urn:example:b'])
  })

  it('accepts the mandatory disco#info feature and keeps it after unmounting', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Feature var={NS_DISCO_INFO} />)
    expect((await infoSeen(alice, bob)).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS])
    rerender(<></>)
    expect((await infoSeen(alice, bob)).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS])
  })

  it('notifies onInfoChanged once when 1000 features mount in one commit', async () => {
    const { alice, bob } = setup()
    let changes = 0
    DiscoServer.for(asXmpp(bob)).onInfoChanged(() => changes++)
    const vars = Array.from({ length: 1000 }, (_, i) => `urn:example:f${i}`)
    renderWithDisco(bob, <Features vars={vars} />)
    await settle()
    expect(changes).toBe(1)
    expect((await infoSeen(alice, bob)).features).toHaveLength(1002)
  })

  it('notifies onInfoChanged once when 1000 features unmount in one commit', async () => {
    const { alice, bob } = setup()
    const vars = Array.from({ length: 1000 }, (_, i) => `urn:example:f${i}`)
    const { rerender } = renderWithDisco(bob, <Features vars={vars} />)
    await settle()
    let changes = 0
    DiscoServer.for(asXmpp(bob)).onInfoChanged(() => changes++)
    rerender(<Features vars={[]} />)
    await settle()
    expect(changes).toBe(1)
    expect((await infoSeen(alice, bob)).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS])
  })

  it('notifies once per commit, not once for all time: a later commit notifies again', async () => {
    const { bob } = setup()
    let changes = 0
    DiscoServer.for(asXmpp(bob)).onInfoChanged(() => changes++)
    const { rerender } = renderWithDisco(bob, <Features vars={['urn:example:a', 'urn:example:b']} />)
    await settle()
    await act(async () => {
      rerender(<Features vars={['urn:example:a', 'urn:example:b', 'urn:example:c']} />)
    })
    await settle()
    expect(changes).toBe(2)
  })

  it('does not notify when a rerender changes nothing it declares', async () => {
    const { bob } = setup()
    const { rerender } = renderWithDisco(bob, <Feature var="urn:example:a" />)
    await settle()
    let changes = 0
    DiscoServer.for(asXmpp(bob)).onInfoChanged(() => changes++)
    rerender(<Feature var="urn:example:a" />)
    await settle()
    expect(changes).toBe(0)
  })
})
