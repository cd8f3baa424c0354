import type { Meta, StoryObj } from '@storybook/react-vite'
import { QueryClient } from '@tanstack/react-query'
import xml from '@xmpp/xml'
import { useEffect, useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { DiscoServer, NS_DISCO_INFO } from '../../src/core/index.js'
import type { XmppClient } from '../../src/core/index.js'
import { EntityCaps, entityCaps, indexedDBCapsStorage, localStorageCapsStorage } from '../../src/core/caps/index.js'
import type { CapsStorage } from '../../src/core/caps/index.js'
import { DiscoProvider, useDiscoInfo } from '../../src/react/index.js'
import { EXAMPLE_FEATURES, EXAMPLE_JIDS, SimulatedNetwork } from '../../src/testing/index.js'
import type { SimulatedEntity } from '../../src/testing/index.js'
import { useRequestCount } from '../support/world.js'

type StorageKind = 'indexedDB' | 'localStorage'

interface ReloadsProps {
  /** Where verified caps are kept: a real IndexedDB database or localStorage of this page. */
  storage: StorageKind
}

/**
 * One page load: a fresh simulated network, client, QueryClient and storage
 * adapter; only the browser's storage (under `name`) outlives it.
 */
interface PageLoad {
  load: number
  me: SimulatedEntity
  juliet: SimulatedEntity
  queryClient: QueryClient
  storage: CapsStorage
  close(): void
}

function newStorage(kind: StorageKind, name: string): CapsStorage {
  return kind === 'indexedDB' ? indexedDBCapsStorage({ database: name }) : localStorageCapsStorage({ prefix: `${name}:` })
}

function loadPage(kind: StorageKind, name: string, load: number): PageLoad {
  const network = new SimulatedNetwork()
  const me = network.entity(EXAMPLE_JIDS.me)
  // Juliet runs a client with entity caps: her presence carries <c/>, and she answers at node#ver.
  const juliet = network.entity(EXAMPLE_JIDS.peer)
  const server = DiscoServer.for(juliet)
  server.batch(() => {
    server.registerIdentity('client', 'pc', { names: { '': 'Juliet' } })
    server.unregisterIdentity('client', 'bot')
    for (const v of [EXAMPLE_FEATURES.jingle, EXAMPLE_FEATURES.jingleAudio]) server.registerFeature(v)
  })
  const julietCaps = EntityCaps.for(juliet, { node: 'https://juliet.example' })
  return {
    load,
    me,
    juliet,
    queryClient: new QueryClient({ defaultOptions: { queries: { retry: false } } }),
    storage: newStorage(kind, name),
    close: () => {
      julietCaps.dispose()
      network.close()
    },
  }
}

/** The caps queries (disco#info at node#ver) Juliet received in this page load. */
function useCapsQueries(juliet: SimulatedEntity): number {
  useRequestCount(juliet, NS_DISCO_INFO)
  return juliet.requests.filter((r) => r.ns === NS_DISCO_INFO && r.node?.includes('#')).length
}

function JulietsInfo({ juliet }: { juliet: SimulatedEntity }) {
  const { data, status } = useDiscoInfo(juliet.jid.toString())
  return (
    <p>
      Juliet: <output aria-label="status">{status}</output>
      {data && (
        <>
          {' '}
          · features <output aria-label="features">{data.features.filter((f) => f.startsWith('urn:')).join(' ')}</output>
        </>
      )}
    </p>
  )
}

function Page({ page, kind }: { page: PageLoad; kind: StorageKind }) {
  const [online, setOnline] = useState(false)
  const [asked, setAsked] = useState(false)
  const capsQueries = useCapsQueries(page.juliet)
  return (
    <DiscoProvider client={page.me as XmppClient} queryClient={page.queryClient} caps={entityCaps({ node: 'https://romeo.example', storage: page.storage })}>
      <p>
        <button
          type="button"
          disabled={online}
          onClick={() => {
            void page.juliet.send(xml('presence', { to: page.me.jid.toString() })).then(() => setOnline(true))
          }}
        >
          Juliet comes online
        </button>{' '}
        <button type="button" disabled={!online || asked} onClick={() => setAsked(true)}>
          Ask what Juliet supports
        </button>
      </p>
      {asked && <JulietsInfo juliet={page.juliet} />}
      <p>
        Caps queries Juliet received in this page load: <output aria-label="caps queries">{capsQueries}</output> (storage:{' '}
        {kind})
      </p>
    </DiscoProvider>
  )
}

/** Removes what the story stored: each mount uses a storage of its own. */
function forget(kind: StorageKind, name: string): void {
  if (kind === 'indexedDB') {
    indexedDB.deleteDatabase(name)
    return
  }
  for (const key of Object.keys(localStorage)) if (key.startsWith(`${name}:`)) localStorage.removeItem(key)
}

/** Replaces a feature in every stored entry: what a tampered or corrupted storage holds. */
async function tamper(storage: CapsStorage): Promise<number> {
  const index: unknown = JSON.parse(String(await storage.get('index')))
  let changed = 0
  for (const key of Array.isArray(index) ? index : []) {
    const value = await storage.get(String(key))
    if (typeof value !== 'string') continue
    await storage.set(String(key), value.replace(EXAMPLE_FEATURES.jingleAudio, 'urn:example:evil'))
    changed++
  }
  return changed
}

/**
 * Simulates page reloads: each "reload" unmounts the page and builds a fresh
 * network, client, QueryClient and storage adapter; only the browser's real
 * IndexedDB database (or localStorage keys) carries over.
 */
function Reloads({ storage: kind }: ReloadsProps) {
  // One name per story mount: runs and stories do not see each other's entries.
  const [name] = useState(() => `rxd-story-caps-${Math.random().toString(36).slice(2)}`)
  const [load, setLoad] = useState(1)
  const [page, setPage] = useState<PageLoad | null>(null)
  const [stored, setStored] = useState<string>('nothing yet')
  useEffect(() => {
    const created = loadPage(kind, name, load)
    // A page load is an external resource whose lifetime is this effect's.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setPage(created)
    return () => created.close()
  }, [kind, name, load])
  useEffect(() => () => forget(kind, name), [kind, name])
  if (page?.load !== load) return <p>Loading…</p>
  return (
    <section aria-label="page">
      <p>
        Page load <output aria-label="load">{load}</output>{' '}
        <button type="button" onClick={() => setLoad((n) => n + 1)}>
          Reload the page
        </button>{' '}
        <button type="button" onClick={() => void tamper(page.storage).then((n) => setStored(`${n} entries tampered with`))}>
          Tamper with the stored caps
        </button>{' '}
        <button
          type="button"
          onClick={() => void Promise.resolve(page.storage.get('index')).then((index) => setStored(typeof index === 'string' ? `index ${index}` : 'nothing yet'))}
        >
          Read the storage
        </button>
      </p>
      <p>
        Storage: <output aria-label="stored">{stored}</output>
      </p>
      <Page key={page.load} page={page} kind={kind} />
    </section>
  )
}

const meta = {
  title: 'Entity capabilities/Storage across reloads',
  component: Reloads,
  tags: ['autodocs'],
  args: { storage: 'indexedDB' },
  argTypes: { storage: { control: 'radio', options: ['indexedDB', 'localStorage'] } },
  parameters: {
    world: { live: false },
    docs: {
      description: {
        component:
          '`<DiscoProvider caps={entityCaps({ node, storage })}>` (`entityCaps` from `react-xmpp-disco/caps`) keeps verified caps (hash -> the disco#info it was verified ' +
          'from) in `indexedDBCapsStorage()` or `localStorageCapsStorage()`, so a reload asks no peer whose caps were ' +
          'verified before. Every stored entry is verified again when read: a tampered one is dropped and the peer ' +
          'asked. “Reload the page” unmounts everything and builds a fresh network, client, QueryClient and storage ' +
          'adapter; only the browser storage carries over.',
      },
    },
  },
} satisfies Meta<typeof Reloads>

export default meta
type Story = StoryObj<typeof meta>

type Canvas = ReturnType<typeof within>

/** Juliet comes online, Romeo asks; resolves with how many caps queries that cost. */
async function visit(canvas: Canvas, load: number): Promise<string> {
  await waitFor(() => expect(canvas.getByRole('status', { name: 'load' })).toHaveTextContent(String(load)))
  await userEvent.click(await canvas.findByRole('button', { name: 'Juliet comes online' }))
  await userEvent.click(await canvas.findByRole('button', { name: 'Ask what Juliet supports' }))
  await waitFor(() => expect(canvas.getByRole('status', { name: 'status' })).toHaveTextContent('success'))
  return canvas.getByRole('status', { name: 'caps queries' }).textContent
}

async function reloadsAndTampering(canvasElement: HTMLElement): Promise<void> {
  const canvas = within(canvasElement)
  // First visit: one caps query, verified, then written to the storage.
  await expect(await visit(canvas, 1)).toBe('1')
  await waitFor(async () => {
    await userEvent.click(canvas.getByRole('button', { name: 'Read the storage' }))
    await expect(canvas.getByRole('status', { name: 'stored' })).toHaveTextContent(/^index \[.*"caps sha-1 /)
  })
  // Reloaded: the stored entry verifies, nothing is asked.
  await userEvent.click(canvas.getByRole('button', { name: 'Reload the page' }))
  await expect(await visit(canvas, 2)).toBe('0')
  await expect(canvas.getByRole('status', { name: 'features' })).toHaveTextContent(EXAMPLE_FEATURES.jingleAudio)
  // Tampered with, then reloaded: the entry fails verification and Juliet is asked again.
  await userEvent.click(canvas.getByRole('button', { name: 'Tamper with the stored caps' }))
  await waitFor(() => expect(canvas.getByRole('status', { name: 'stored' })).toHaveTextContent(/^[1-9]\d* entries tampered with$/))
  await userEvent.click(canvas.getByRole('button', { name: 'Reload the page' }))
  await expect(await visit(canvas, 3)).toBe('1')
  await expect(canvas.getByRole('status', { name: 'features' })).toHaveTextContent(EXAMPLE_FEATURES.jingleAudio)
  await expect(canvas.getByRole('status', { name: 'features' })).not.toHaveTextContent('urn:example:evil')
}

/**
 * IndexedDB: verified on the first visit, found after a reload (no caps
 * query), re-fetched after the stored entry was tampered with.
 */
export const IndexedDB: Story = {
  play: async ({ canvasElement }) => reloadsAndTampering(canvasElement),
}

/** The same with localStorage. */
export const LocalStorage: Story = {
  args: { storage: 'localStorage' },
  play: async ({ canvasElement }) => reloadsAndTampering(canvasElement),
}
