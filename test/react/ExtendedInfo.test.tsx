// <ExtendedInfo> and <SoftwareInfo>: the forms we publish, seen by a peer on
// the wire (every tree in StrictMode, see renderWithDisco).
import { cleanup } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoServer, NS_SOFTWARE_INFO, extendedInfoForm, softwareInfoForm } from '../../src/core/index.js'
import type { FormFields } from '../../src/core/index.js'
import { DiscoNode, ExtendedInfo, Identity, SoftwareInfo } from '../../src/react/index.js'
import { asXmpp, infoSeen, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

const SERVER_INFO = 'http://jabber.org/network/serverinfo'

function Forms({ list }: { list: { formType: string; fields: FormFields }[] }) {
  return (
    <>
      {list.map((props, i) => (
        <ExtendedInfo key={i} {...props} />
      ))}
    </>
  )
}

describe('<SoftwareInfo>', () => {
  it('publishes the XEP-0232 form after StrictMode mount/unmount/mount, withdraws it on unmount, publishes it again on remount', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <SoftwareInfo name="Chat" version="1.2" os="Linux" osVersion="6.1" />)
    const published = softwareInfoForm({ name: 'Chat', version: '1.2', os: 'Linux', osVersion: '6.1' })
    expect((await infoSeen(alice, bob)).forms).toStrictEqual([published])
    expect(published.fields[0]?.values).toEqual([NS_SOFTWARE_INFO])

    rerender(<></>)
    expect((await infoSeen(alice, bob)).forms).toEqual([])

    rerender(<SoftwareInfo name="Chat" version="1.3" />)
    expect((await infoSeen(alice, bob)).forms).toStrictEqual([softwareInfoForm({ name: 'Chat', version: '1.3' })])
  })

  it('publishes the new version, not the old one, when its props change, in one notification', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <SoftwareInfo name="Chat" version="1.2" />)
    await settle()
    let changes = 0
    DiscoServer.for(asXmpp(bob)).onInfoChanged(() => changes++)
    rerender(<SoftwareInfo name="Chat" version="1.3" />)
    await settle()
    expect(changes).toBe(1)
    expect((await infoSeen(alice, bob)).forms).toStrictEqual([softwareInfoForm({ name: 'Chat', version: '1.3' })])
  })
})

describe('<ExtendedInfo>', () => {
  it('publishes its fields, with one value or several, after StrictMode mount/unmount/mount, and withdraws them on unmount', async () => {
    const { alice, bob } = setup()
    const fields = { 'abuse-addresses': ['mailto:abuse@example.org', 'xmpp:abuse@example.org'], 'admin-addresses': 'xmpp:admin@example.org' }
    const { rerender } = renderWithDisco(bob, <ExtendedInfo formType={SERVER_INFO} fields={fields} />)
    expect((await infoSeen(alice, bob)).forms).toStrictEqual([extendedInfoForm(SERVER_INFO, fields)])
    rerender(<></>)
    expect((await infoSeen(alice, bob)).forms).toEqual([])
    rerender(<ExtendedInfo formType={SERVER_INFO} fields={fields} />)
    expect((await infoSeen(alice, bob)).forms).toStrictEqual([extendedInfoForm(SERVER_INFO, fields)])
  })

  it('keeps a FORM_TYPE declared twice until the second declaration unmounts, publishing the newer fields meanwhile', async () => {
    const { alice, bob } = setup()
    const first = { formType: SERVER_INFO, fields: { 'admin-addresses': 'xmpp:first@example.org' } }
    const second = { formType: SERVER_INFO, fields: { 'admin-addresses': 'xmpp:second@example.org' } }
    const { rerender } = renderWithDisco(bob, <Forms list={[first, second]} />)
    expect((await infoSeen(alice, bob)).forms).toStrictEqual([extendedInfoForm(SERVER_INFO, second.fields)])
    rerender(<Forms list={[first]} />)
    expect((await infoSeen(alice, bob)).forms).toStrictEqual([extendedInfoForm(SERVER_INFO, first.fields)])
    rerender(<Forms list={[]} />)
    expect((await infoSeen(alice, bob)).forms).toEqual([])
  })

  it('keeps <SoftwareInfo> and <ExtendedInfo> of one FORM_TYPE counted together', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(
      bob,
      <>
        <SoftwareInfo name="Chat" version="1.2" />
        <ExtendedInfo formType={NS_SOFTWARE_INFO} fields={{ software: 'Chat', software_version: '1.2' }} />
      </>,
    )
    rerender(<SoftwareInfo name="Chat" version="1.2" />)
    expect((await infoSeen(alice, bob)).forms).toStrictEqual([softwareInfoForm({ name: 'Chat', version: '1.2' })])
    rerender(<></>)
    expect((await infoSeen(alice, bob)).forms).toEqual([])
  })

  it('declares on the nearest <DiscoNode>, not on the root', async () => {
    const { alice, bob } = setup()
    renderWithDisco(
      bob,
      <DiscoNode node="room">
        <Identity category="conference" type="text" />
        <ExtendedInfo formType="http://jabber.org/protocol/muc#roominfo" fields={{ muc_roominfo_occupants: '3' }} />
      </DiscoNode>,
    )
    await settle()
    expect((await infoSeen(alice, bob, 'room')).forms).toStrictEqual([
      extendedInfoForm('http://jabber.org/protocol/muc#roominfo', { muc_roominfo_occupants: '3' }),
    ])
    expect((await infoSeen(alice, bob)).forms).toEqual([])
  })

  it('notifies onInfoChanged once for 100 forms mounted in one commit, and not when re-rendered with equal fields', async () => {
    const { alice, bob } = setup()
    const list = (n: number) => Array.from({ length: n }, (_, i) => ({ formType: `urn:example:form${i}`, fields: { n: String(i) } }))
    const { rerender } = renderWithDisco(bob, <Forms list={[]} />)
    await settle()
    let changes = 0
    DiscoServer.for(asXmpp(bob)).onInfoChanged(() => changes++)
    rerender(<Forms list={list(100)} />)
    await settle()
    expect(changes).toBe(1)
    // New fields objects with the same content: nothing to publish anew.
    rerender(<Forms list={list(100)} />)
    await settle()
    expect(changes).toBe(1)
    expect((await infoSeen(alice, bob)).forms).toHaveLength(100)
  })
})
