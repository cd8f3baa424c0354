import type { QueryClient, UseQueryResult, UseSuspenseQueryResult } from '@tanstack/react-query'
import { describe, expectTypeOf, it } from 'vitest'
import type { DiscoInfo, DiscoItems, XmppClient } from '../../src/core/index.js'
import {
  DiscoNode,
  DiscoProvider,
  Feature,
  Identity,
  Item,
  discoInfoQueryOptions,
  discoItemsQueryOptions,
  useDiscoInfo,
  useDiscoItems,
  useHasFeature,
  useSuspenseDiscoInfo,
  useSuspenseDiscoItems,
} from '../../src/react/index.js'
import type {
  DiscoNodeProps,
  DiscoProviderProps,
  FeatureProps,
  IdentityProps,
  ItemProps,
  UseHasFeatureResult,
} from '../../src/react/index.js'

declare const xmpp: XmppClient

describe('hook result types', () => {
  it('useDiscoInfo(jid) is a UseQueryResult<DiscoInfo, Error>', () => {
    function Probe() {
      expectTypeOf(useDiscoInfo('bob@example.org')).toEqualTypeOf<UseQueryResult<DiscoInfo, Error>>()
      expectTypeOf(useDiscoInfo(null, { node: 'n', timeout: 50 })).toEqualTypeOf<UseQueryResult<DiscoInfo, Error>>()
      return null
    }
    void Probe
  })

  it('useDiscoInfo with a select returning string[] is a UseQueryResult<string[], Error>', () => {
    function Probe() {
      const features = useDiscoInfo('bob@example.org', { select: (info) => info.features })
      expectTypeOf(features).toEqualTypeOf<UseQueryResult<string[], Error>>()
      return null
    }
    void Probe
  })

  it('useDiscoItems(jid) is a UseQueryResult<DiscoItems, Error>', () => {
    function Probe() {
      expectTypeOf(useDiscoItems('example.org')).toEqualTypeOf<UseQueryResult<DiscoItems, Error>>()
      expectTypeOf(useDiscoItems('example.org', { select: (items) => items.items.length })).toEqualTypeOf<
        UseQueryResult<number, Error>
      >()
      return null
    }
    void Probe
  })

  it('useHasFeature(...).supported is boolean | undefined', () => {
    function Probe() {
      const result = useHasFeature('bob@example.org', 'urn:example:a')
      expectTypeOf(result).toEqualTypeOf<UseHasFeatureResult>()
      expectTypeOf(result.supported).toEqualTypeOf<boolean | undefined>()
      expectTypeOf(result.error).toEqualTypeOf<Error | null>()
      expectTypeOf(result).not.toHaveProperty('data')
      return null
    }
    void Probe
  })

  it('rejects options the hooks do not take', () => {
    function Probe() {
      // @ts-expect-error the query key is the library's
      useDiscoInfo('bob@example.org', { queryKey: ['mine'] })
      // @ts-expect-error node is a string
      useDiscoItems('example.org', { node: 1 })
      // @ts-expect-error useHasFeature computes its own select
      useHasFeature('bob@example.org', 'urn:example:a', { select: () => true })
      return null
    }
    void Probe
  })
})

describe('Suspense hooks and query options', () => {
  it('useSuspenseDiscoInfo / useSuspenseDiscoItems return data that is always there', () => {
    function Probe() {
      expectTypeOf(useSuspenseDiscoInfo('bob@example.org')).toEqualTypeOf<UseSuspenseQueryResult<DiscoInfo, Error>>()
      expectTypeOf(useSuspenseDiscoInfo('bob@example.org').data).toEqualTypeOf<DiscoInfo>()
      expectTypeOf(useSuspenseDiscoItems('example.org', { select: (items) => items.items.length }).data).toEqualTypeOf<number>()
      return null
    }
    void Probe
  })

  it('the Suspense hooks have no disabled state: no null jid, no enabled', () => {
    function Probe() {
      // @ts-expect-error render the component only when there is a jid
      useSuspenseDiscoInfo(null)
      // @ts-expect-error useSuspenseQuery has no enabled
      useSuspenseDiscoItems('example.org', { enabled: false })
      return null
    }
    void Probe
  })

  it('discoInfoQueryOptions / discoItemsQueryOptions type getQueryData through their key', () => {
    const queryClient = {} as QueryClient
    expectTypeOf(queryClient.getQueryData(discoInfoQueryOptions(xmpp, 'bob@example.org', { queryClient }).queryKey)).toEqualTypeOf<
      DiscoInfo | undefined
    >()
    expectTypeOf(queryClient.getQueryData(discoItemsQueryOptions(xmpp, 'example.org', { node: 'n' }).queryKey)).toEqualTypeOf<
      DiscoItems | undefined
    >()
  })
})

describe('component props', () => {
  it('FeatureProps requires var: string', () => {
    expectTypeOf<FeatureProps['var']>().toEqualTypeOf<string>()
    // @ts-expect-error var is required
    const missing: FeatureProps = {}
    // @ts-expect-error var is required
    const element = <Feature />
    void [missing, element, <Feature var="urn:example:a" />]
  })

  it('IdentityProps requires category and type', () => {
    expectTypeOf<IdentityProps['category']>().toEqualTypeOf<string>()
    expectTypeOf<IdentityProps['type']>().toEqualTypeOf<string>()
    // @ts-expect-error type is required
    const noType: IdentityProps = { category: 'client' }
    // @ts-expect-error category is required
    const noCategory: IdentityProps = { type: 'web' }
    // @ts-expect-error category and type are required
    const element = <Identity name="Chat" />
    void [noType, noCategory, element, <Identity category="client" type="web" names={{ en: 'Chat' }} />]
  })

  it('ItemProps requires jid', () => {
    expectTypeOf<ItemProps['jid']>().toEqualTypeOf<string>()
    // @ts-expect-error jid is required
    const missing: ItemProps = { node: 'n' }
    // @ts-expect-error jid is required
    const element = <Item name="PubSub" />
    void [missing, element, <Item jid="pubsub.example.org" />]
  })

  it('DiscoNodeProps requires node', () => {
    expectTypeOf<DiscoNodeProps['node']>().toEqualTypeOf<string>()
    // @ts-expect-error node is required
    const missing: DiscoNodeProps = { listed: true }
    // @ts-expect-error node is required
    const element = <DiscoNode listed />
    void [missing, element, <DiscoNode node="n" />]
  })

  it('DiscoProviderProps requires client', () => {
    expectTypeOf<DiscoProviderProps['client']>().toEqualTypeOf<XmppClient>()
    expectTypeOf<DiscoProviderProps['queryClient']>().toEqualTypeOf<QueryClient | undefined>()
    // @ts-expect-error client is required
    const missing: DiscoProviderProps = {}
    // @ts-expect-error client is required
    const element = <DiscoProvider />
    void [missing, element, <DiscoProvider client={xmpp} />]
  })
})
