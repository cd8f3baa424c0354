import { cleanup } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoServer, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/index.js'
import { DiscoNode, Identity, useFeature } from '../../src/react/index.js'
import type { UseFeatureOptions, UseFeatureResult } from '../../src/react/index.js'
import { asXmpp, infoSeen, latest, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

function Declare({
  feature,
  options,
  onResult,
}: {
  feature: string
  options?: UseFeatureOptions
  onResult?: (result: UseFeatureResult) => void
}) {
  const result = useFeature(feature, options)
  onResult?.(result)
  return null
}

describe('useFeature', () => {
  it('declares the feature while the component is mounted', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(bob, <Declare feature="urn:example:a" />)
    expect((await infoSeen(alice, bob)).features).toContain('urn:example:a')
    rerender(<></>)
    expect((await infoSeen(alice, bob)).features).not.toContain('urn:example:a')
  })

  it('withdraws and re-declares the feature as enabled toggles', async () => {
    const { alice, bob } = setup()
    const result = latest<UseFeatureResult>()
    const { rerender } = renderWithDisco(
      bob,
      <Declare feature="urn:example:a" options={{ enabled: false }} onResult={result.record} />,
    )
    expect((await infoSeen(alice, bob)).features).not.toContain('urn:example:a')
    expect(result.current).toEqual({ feature: 'urn:example:a', enabled: false })

    rerender(<Declare feature="urn:example:a" options={{ enabled: true }} onResult={result.record} />)
    expect((await infoSeen(alice, bob)).features).toContain('urn:example:a')
    expect(result.current).toEqual({ feature: 'urn:example:a', enabled: true })

    rerender(<Declare feature="urn:example:a" options={{ enabled: false }} onResult={result.record} />)
    expect((await infoSeen(alice, bob)).features).not.toContain('urn:example:a')
  })

  it('is enabled by default', () => {
    const { bob } = setup()
    const result = latest<UseFeatureResult>()
    renderWithDisco(bob, <Declare feature="urn:example:a" onResult={result.record} />)
    expect(result.current).toEqual({ feature: 'urn:example:a', enabled: true })
  })

  it('keeps the feature while another component still declares it when one is disabled', async () => {
    const { alice, bob } = setup()
    const { rerender } = renderWithDisco(
      bob,
      <>
        <Declare feature="urn:example:a" />
        <Declare feature="urn:example:a" />
      </>,
    )
    rerender(
      <>
        <Declare feature="urn:example:a" options={{ enabled: false }} />
        <Declare feature="urn:example:a" />
      </>,
    )
    expect((await infoSeen(alice, bob)).features).toContain('urn:example:a')
  })

  it('notifies onInfoChanged once per toggle', async () => {
    const { bob } = setup()
    const { rerender } = renderWithDisco(bob, <Declare feature="urn:example:a" options={{ enabled: false }} />)
    await settle()
    let changes = 0
    DiscoServer.for(asXmpp(bob)).onInfoChanged(() => changes++)
    rerender(<Declare feature="urn:example:a" options={{ enabled: true }} />)
    await settle()
    expect(changes).toBe(1)
    rerender(<Declare feature="urn:example:a" options={{ enabled: false }} />)
    await settle()
    expect(changes).toBe(2)
  })

  it('declares on the nearest <DiscoNode>, or on the mountpoint given as node', async () => {
    const { alice, bob } = setup()
    renderWithDisco(
      bob,
      <>
        <DiscoNode node="n">
          <Identity category="hierarchy" type="leaf" />
          <Declare feature="urn:example:nearest" />
        </DiscoNode>
        <Declare feature="urn:example:by-name" options={{ node: 'n' }} />
      </>,
    )
    expect((await infoSeen(alice, bob, 'n')).features).toEqual([NS_DISCO_INFO, 'urn:example:nearest', 'urn:example:by-name'])
    expect((await infoSeen(alice, bob)).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS])
  })
})
