import { cleanup } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoServer } from '../../src/core/index.js'
import { Identity } from '../../src/react/index.js'
import type { IdentityProps } from '../../src/react/index.js'
import { asXmpp, identityList, infoSeen, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

function Identities({ list }: { list: IdentityProps[] }) {
  return (
    <>
      {list.map((props, i) => (
        <Identity key={i} {...props} />
      ))}
    </>
  )
}

describe('<Identity>', () => {
  it('answers with the default client/bot identity when none is declared', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <></>)
    expect(identityList(await infoSeen(alice, bob))).toEqual(['client/bot'])
  })

  it('replaces the default client/bot identity with the first one declared', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Identity category="client" type="web" name="Chat" />)
    expect(identityList(await infoSeen(alice, bob))).toEqual(['client/web=Chat'])
  })

  it('brings the default identity back when the last declared identity unmounts', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(
      bob,
      <Identities list={[{ category: 'client', type: 'web' }, { category: 'client', type: 'pc' }]} />,
    )
    expect(identityList(await infoSeen(alice, bob))).toEqual(['client/web', 'client/pc'])

    rerender(<Identities list={[{ category: 'client', type: 'web' }]} />)
    expect(identityList(await infoSeen(alice, bob))).toEqual(['client/web'])

    rerender(<Identities list={[]} />)
    expect(identityList(await infoSeen(alice, bob))).toEqual(['client/bot'])
  })

  it('keeps client/bot while an <Identity> declares it, and withdraws it once only others remain', async () => {
    const { alice, bob } = setup()
    const bot = { category: 'client', type: 'bot', name: 'Bot' }
    const web = { category: 'client', type: 'web' }
    const { rerender } = renderWithDisco(bob, <Identities list={[bot, web]} />)
    expect(identityList(await infoSeen(alice, bob))).toEqual(['client/bot=Bot', 'client/web'])

    rerender(<Identities list={[web]} />)
    expect(identityList(await infoSeen(alice, bob))).toEqual(['client/web'])
  })

  it('keeps an identity declared twice until the second declaration unmounts', async () => {
    const { alice, bob } = setup()
    const web = { category: 'client', type: 'web', name: 'Chat' }
    const { rerender } = renderWithDisco(bob, <Identities list={[web, web]} />)
    rerender(<Identities list={[web]} />)
    expect(identityList(await infoSeen(alice, bob))).toEqual(['client/web=Chat'])
    rerender(<Identities list={[]} />)
    expect(identityList(await infoSeen(alice, bob))).toEqual(['client/bot'])
  })

  it('shows the new name, not the old one, when its name changes', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Identity category="client" type="web" name="Old" />)
    rerender(<Identity category="client" type="web" name="New" />)
    expect(identityList(await infoSeen(alice, bob))).toEqual(['client/web=New'])
  })

  it('re-registers when its category or type changes', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Identity category="client" type="web" />)
    rerender(<Identity category="automation" type="command-node" />)
    expect(identityList(await infoSeen(alice, bob))).toEqual(['automation/command-node'])
  })

  it('advertises one identity element per xml:lang of its names', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Identity category="client" type="web" name="Chat" names={{ de: 'Plaudern', fr: 'Bavarder' }} />)
    expect(identityList(await infoSeen(alice, bob)).sort()).toEqual([
      'client/web/de=Plaudern',
      'client/web/fr=Bavarder',
      'client/web=Chat',
    ])
  })

  it('does not re-register or notify when rerendered with equal names in a new object', async () => {
    const { bob } = setup()
    const { rerender } = renderWithDisco(bob, <Identity category="client" type="web" names={{ en: 'Chat' }} />)
    await settle()
    let changes = 0
    DiscoServer.for(asXmpp(bob)).onInfoChanged(() => changes++)
    rerender(<Identity category="client" type="web" names={{ en: 'Chat' }} />)
    await settle()
    expect(changes).toBe(0)
  })

  it('notifies onInfoChanged once when many identities mount in one commit, default withdrawal included', async () => {
    const { alice, bob } = setup()
    let changes = 0
    DiscoServer.for(asXmpp(bob)).onInfoChanged(() => changes++)
    const list = Array.from({ length: 50 }, (_, i) => ({ category: 'client', type: `t${i}` }))
    const { rerender } = renderWithDisco(bob, <Identities list={list} />)
    await settle()
    expect(changes).toBe(1)
    expect((await infoSeen(alice, bob)).identities).toHaveLength(50)

    rerender(<Identities list={[]} />)
    await settle()
    expect(changes).toBe(2)
    expect(identityList(await infoSeen(alice, bob))).toEqual(['client/bot'])
  })
})
