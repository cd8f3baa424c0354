// Shared set-up for the React tests: a fresh network and QueryClient per test,
// every tree rendered in StrictMode (at the root, rerenders too),
// and "what the network sees": raw disco queries from another entity, parsed
// as a peer would parse them.
import { QueryClient } from '@tanstack/react-query'
import { render } from '@testing-library/react'
import type { RenderResult } from '@testing-library/react'
import type { ReactElement, ReactNode } from 'react'
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_STANZAS, parseInfo, parseItems } from '../../src/core/index.js'
import type { DiscoInfo, DiscoItems, XmlElement, XmppClient } from '../../src/core/index.js'
import { DiscoProvider } from '../../src/react/index.js'
import { FakeNetwork, rawQuery } from './fakeNetwork.js'
import type { FakeEntity } from './fakeNetwork.js'

/** The QueryClient every React test starts with. */
export function newQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false } } })
}

/** A fake entity as the xmpp.js client the library expects (same pieces, looser listener types). */
export function asXmpp(entity: FakeEntity): XmppClient {
  return entity as unknown as XmppClient
}

export interface Setup {
  network: FakeNetwork
  /** The asking side in most tests. */
  alice: FakeEntity
  /** The answering side in most tests. */
  bob: FakeEntity
  queryClient: QueryClient
}

export function setup(): Setup {
  const network = new FakeNetwork()
  return {
    network,
    alice: network.entity('alice@example.org/a'),
    bob: network.entity('bob@example.org/b'),
    queryClient: newQueryClient(),
  }
}

/** Renders `ui` in <StrictMode> inside <DiscoProvider client={entity}>; rerender keeps both. */
export function renderWithDisco(
  entity: FakeEntity,
  ui: ReactElement,
  queryClient: QueryClient = newQueryClient(),
): RenderResult {
  function Wrapper({ children }: { children: ReactNode }) {
    return (
      <DiscoProvider client={asXmpp(entity)} queryClient={queryClient}>
        {children}
      </DiscoProvider>
    )
  }
  // StrictMode at the root: React 19 double-invokes effects (mount, unmount,
  // mount) only when the whole tree is in StrictMode, not from inside a wrapper.
  return render(ui, { wrapper: Wrapper, reactStrictMode: true })
}

/** Renders `ui` in <StrictMode> only (the test builds its own providers). */
export function renderStrict(ui: ReactElement): RenderResult {
  return render(ui, { reactStrictMode: true })
}

/** Lets pending microtasks and timers of this turn run (coalesced notifications, late sends). */
export function settle(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function nodeAttrs(node: string | undefined): { node?: string } {
  return node === undefined ? {} : { node }
}

/** The reply `asker` gets to a raw disco query to `target`. */
export function ask(asker: FakeEntity, target: FakeEntity, ns: string, node?: string): Promise<XmlElement> {
  return rawQuery(asker, target.jid.toString(), ns, nodeAttrs(node))
}

/** `target`'s disco#info (at `node`) as `asker` sees it on the wire. Fails on an error reply. */
export async function infoSeen(asker: FakeEntity, target: FakeEntity, node?: string): Promise<DiscoInfo> {
  const reply = await ask(asker, target, NS_DISCO_INFO, node)
  if (reply.attrs.type !== 'result') throw new Error(`expected a disco#info result, got ${reply.toString()}`)
  return parseInfo(reply)
}

/** `target`'s disco#items (at `node`) as `asker` sees it on the wire. Fails on an error reply. */
export async function itemsSeen(asker: FakeEntity, target: FakeEntity, node?: string): Promise<DiscoItems> {
  const reply = await ask(asker, target, NS_DISCO_ITEMS, node)
  if (reply.attrs.type !== 'result') throw new Error(`expected a disco#items result, got ${reply.toString()}`)
  return parseItems(reply)
}

/** The raw <item/> elements of a disco#items reply (parseItems would merge duplicates). */
export async function rawItemsSeen(asker: FakeEntity, target: FakeEntity, node?: string): Promise<XmlElement[]> {
  const reply = await ask(asker, target, NS_DISCO_ITEMS, node)
  return reply.getChild('query', NS_DISCO_ITEMS)?.getChildren('item') ?? []
}

/** The stanza error condition of the reply (undefined for a result). */
export async function errorSeen(asker: FakeEntity, target: FakeEntity, ns: string, node?: string): Promise<string | undefined> {
  const reply = await ask(asker, target, ns, node)
  if (reply.attrs.type !== 'error') return undefined
  return reply
    .getChild('error')
    ?.getChildElements()
    .find((c) => c.getNS() === NS_STANZAS && c.name !== 'text')?.name
}

/** "category/type" (with "/lang" and "=name" when present) of each identity, for compact assertions. */
export function identityList(info: DiscoInfo): string[] {
  return info.identities.map(
    (i) => `${i.category}/${i.type}${i.lang === undefined ? '' : `/${i.lang}`}${i.name === undefined ? '' : `=${i.name}`}`,
  )
}

/** Holds the latest value a component reported while rendering (a hook's result). */
export interface Latest<T> {
  current: T | undefined
  record: (value: T) => void
}

export function latest<T>(): Latest<T> {
  const box: Latest<T> = {
    current: undefined,
    record: (value) => {
      box.current = value
    },
  }
  return box
}
