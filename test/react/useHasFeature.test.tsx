import { act, cleanup, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidJidError, NS_DISCO_INFO, StanzaError, TimeoutError } from '../../src/core/index.js'
import { DiscoNode, Feature, Identity, useHasFeature } from '../../src/react/index.js'
import type { UseHasFeatureOptions, UseHasFeatureResult } from '../../src/react/index.js'
import { latest, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

const BOB = 'bob@example.org/b'

function Probe({
  jid,
  feature,
  options,
  onResult,
}: {
  jid: string | null
  feature: string
  options?: UseHasFeatureOptions
  onResult: (result: UseHasFeatureResult) => void
}) {
  const result = useHasFeature(jid, feature, options)
  onResult(result)
  return <p>{String(result.supported)}</p>
}

describe('useHasFeature', () => {
  it('is undefined while loading, then true for a feature the peer advertises', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const result = latest<UseHasFeatureResult>()
    renderWithDisco(alice, <Probe jid={BOB} feature="urn:example:a" onResult={result.record} />, queryClient)
    expect(result.current?.isPending).toBe(true)
    expect(result.current?.supported).toBeUndefined()
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.supported).toBe(true)
  })

  it('is false once known for a feature the peer does not advertise', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const result = latest<UseHasFeatureResult>()
    renderWithDisco(alice, <Probe jid={BOB} feature="urn:example:other" onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.supported).toBe(false)
  })

  it('is true for disco#info itself, even from a peer whose reply leaves that feature out', async () => {
    const { network, alice, bob, queryClient } = setup()
    renderWithDisco(bob, <></>)
    // XEP-0030: a reply missing the disco#info feature still means it is supported.
    network.interceptor = (stanza, from) => {
      const query = from === bob ? stanza.getChild('query', NS_DISCO_INFO) : undefined
      if (query) {
        query.children = query.children.filter((c) => typeof c === 'string' || c.attrs.var !== NS_DISCO_INFO)
      }
      return stanza
    }
    const result = latest<UseHasFeatureResult>()
    renderWithDisco(alice, <Probe jid={BOB} feature={NS_DISCO_INFO} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.supported).toBe(true)
  })

  it('is undefined, with the error, when the peer answers with an error', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const result = latest<UseHasFeatureResult>()
    renderWithDisco(
      alice,
      <Probe jid={BOB} feature="urn:example:a" options={{ node: 'nope' }} onResult={result.record} />,
      queryClient,
    )
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.supported).toBeUndefined()
    expect(result.current?.error).toBeInstanceOf(StanzaError)
  })

  it('is undefined, with TimeoutError, when the peer never answers', async () => {
    const { network, alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    network.interceptor = (stanza, from) => (from === bob ? null : stanza)
    const result = latest<UseHasFeatureResult>()
    renderWithDisco(
      alice,
      <Probe jid={BOB} feature="urn:example:a" options={{ timeout: 50 }} onResult={result.record} />,
      queryClient,
    )
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.supported).toBeUndefined()
    expect(result.current?.error).toBeInstanceOf(TimeoutError)
  })

  it('turns undefined when a refetch fails, though the query keeps the earlier data', async () => {
    const { network, alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const result = latest<UseHasFeatureResult>()
    renderWithDisco(
      alice,
      <Probe jid={BOB} feature="urn:example:a" options={{ timeout: 50 }} onResult={result.record} />,
      queryClient,
    )
    await waitFor(() => expect(result.current?.supported).toBe(true))
    network.interceptor = (stanza, from) => (from === bob ? null : stanza)
    await act(async () => {
      await result.current?.refetch()
    })
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.error).toBeInstanceOf(TimeoutError)
    expect(result.current?.supported).toBeUndefined()
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(2)
  })

  // TanStack re-renders a component only for the result properties it read
  // (tracked queries): a row reading `supported` alone must not pay for
  // isFetching, dataUpdatedAt and the rest, which a copy of the result reads.
  it('does not render a row that reads only supported again when a refetch brings the same answer', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    let renders = 0
    let refetch: (() => Promise<unknown>) | undefined
    function Row() {
      const result = useHasFeature(BOB, 'urn:example:a')
      renders++
      // Kept outside render's reads: TanStack tracks what a render reads.
      refetch ??= () => queryClient.refetchQueries({ queryKey: ['xmpp-disco', 'alice@example.org', 'info', BOB] })
      return <p>{String(result.supported)}</p>
    }
    const { container } = renderWithDisco(alice, <Row />, queryClient)
    await waitFor(() => expect(container.textContent).toBe('true'))
    await settle()
    const before = renders
    await act(async () => {
      await refetch?.()
    })
    await settle()
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(2)
    expect(container.textContent).toBe('true')
    expect(renders - before).toBe(0)
  })

  it('is undefined with InvalidJidError and sends nothing for an invalid jid', async () => {
    const { alice, queryClient } = setup()
    const result = latest<UseHasFeatureResult>()
    renderWithDisco(alice, <Probe jid="a@b@c" feature="urn:example:a" onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.supported).toBeUndefined()
    expect(result.current?.error).toBeInstanceOf(InvalidJidError)
    expect(alice.sentQueries()).toHaveLength(0)
  })

  it('stays undefined and sends nothing with a null jid', async () => {
    const { alice, queryClient } = setup()
    const result = latest<UseHasFeatureResult>()
    renderWithDisco(alice, <Probe jid={null} feature="urn:example:a" onResult={result.record} />, queryClient)
    await settle(20)
    expect(result.current?.supported).toBeUndefined()
    expect(result.current?.fetchStatus).toBe('idle')
    expect(alice.sentQueries()).toHaveLength(0)
  })

  it('looks at the node given in options', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(
      bob,
      <DiscoNode node="n">
        <Identity category="hierarchy" type="leaf" />
        <Feature var="urn:example:on-node" />
      </DiscoNode>,
    )
    const atNode = latest<UseHasFeatureResult>()
    const atRoot = latest<UseHasFeatureResult>()
    renderWithDisco(
      alice,
      <>
        <Probe jid={BOB} feature="urn:example:on-node" options={{ node: 'n' }} onResult={atNode.record} />
        <Probe jid={BOB} feature="urn:example:on-node" onResult={atRoot.record} />
      </>,
      queryClient,
    )
    await waitFor(() => expect(atNode.current?.isSuccess && atRoot.current?.isSuccess).toBe(true))
    expect(atNode.current?.supported).toBe(true)
    expect(atRoot.current?.supported).toBe(false)
  })

  it('answers several features of one peer from one IQ', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const a = latest<UseHasFeatureResult>()
    const b = latest<UseHasFeatureResult>()
    renderWithDisco(
      alice,
      <>
        <Probe jid={BOB} feature="urn:example:a" onResult={a.record} />
        <Probe jid={BOB} feature="urn:example:b" onResult={b.record} />
      </>,
      queryClient,
    )
    await waitFor(() => expect(a.current?.isSuccess && b.current?.isSuccess).toBe(true))
    expect([a.current?.supported, b.current?.supported]).toEqual([true, false])
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
  })

  it('follows a change of the feature asked about without sending again', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const result = latest<UseHasFeatureResult>()
    const { rerender } = renderWithDisco(
      alice,
      <Probe jid={BOB} feature="urn:example:b" onResult={result.record} />,
      queryClient,
    )
    await waitFor(() => expect(result.current?.supported).toBe(false))
    rerender(<Probe jid={BOB} feature="urn:example:a" onResult={result.record} />)
    expect(result.current?.supported).toBe(true)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
  })
})
