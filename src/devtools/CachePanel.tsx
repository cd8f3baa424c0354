'use client'
import { useEffect, useState } from 'react'
import type { CacheEntry } from './DevtoolsStore.js'
import { age, matches, plural } from './format.js'
import { Pill, Section, Table } from './parts.js'

const KINDS: { kind: string; title: string }[] = [
  { kind: 'info', title: 'disco#info' },
  { kind: 'items', title: 'disco#items' },
  { kind: 'items-page', title: 'disco#items pages' },
  { kind: 'items-pages', title: 'walked pages (useDiscoItemsPages)' },
]

const COLUMNS = [
  'Entity',
  'Node',
  'Holds',
  'State',
  { title: 'Observers', hint: 'Hooks and observers watching the entry' },
  'Age',
  { title: <span className="rxd-dt-dim">Actions</span>, className: 'rxd-dt-actions' },
]

function state(entry: CacheEntry): { tone: string; text: string } {
  if (entry.fetching) return { tone: 'warn', text: entry.status === 'success' ? 'refetching' : 'fetching' }
  if (entry.status === 'error') return { tone: 'bad', text: entry.error ?? 'error' }
  if (entry.status === 'pending') return { tone: '', text: 'idle' }
  if (entry.invalidated) return { tone: 'warn', text: 'invalidated' }
  return { tone: 'ok', text: 'cached' }
}

/** How often ages move on. */
const TICK = 1000

/** The time now, moving on every `interval` ms while mounted (the interval goes with the component). */
function useNow(interval: number): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), interval)
    return () => clearInterval(timer)
  }, [interval])
  return now
}

export interface CachePanelProps {
  entries: CacheEntry[]
  filter: string
  onRefetch(entry: CacheEntry): void
  onForget(entry: CacheEntry): void
}

function EntryRow({ entry, now, onRefetch, onForget }: { entry: CacheEntry; now: number } & Omit<CachePanelProps, 'entries' | 'filter'>) {
  const { tone, text } = state(entry)
  const target = `${entry.jid}${entry.node ? ` at ${entry.node}` : ''}`
  return (
    <tr data-kind={entry.kind}>
      <td className="rxd-dt-mono rxd-dt-entity">{entry.jid}</td>
      <td className="rxd-dt-mono rxd-dt-dim">
        {entry.node}
        {entry.page && <> [{entry.page}]</>}
      </td>
      <td className="rxd-dt-dim">{entry.summary ?? '—'}</td>
      <td>
        <Pill tone={tone}>{text}</Pill>
      </td>
      <td className="rxd-dt-mono">{entry.observers}</td>
      <td className="rxd-dt-mono rxd-dt-dim">{age(entry.updatedAt, now)}</td>
      <td className="rxd-dt-actions">
        <button type="button" className="rxd-dt-button" aria-label={`Refetch ${entry.kind} of ${target}`} onClick={() => onRefetch(entry)}>
          Refetch
        </button>
        {entry.kind === 'info' && (
          <button type="button" className="rxd-dt-button" data-tone="danger" aria-label={`Forget the info of ${target}`} onClick={() => onForget(entry)}>
            Forget
          </button>
        )}
      </td>
    </tr>
  )
}

/** The QueryCache entries under our key root, per kind. */
export function CachePanel({ entries, filter, ...row }: CachePanelProps) {
  const now = useNow(TICK)
  const shown = entries.filter((entry) => matches(filter, entry.jid, entry.node))
  if (shown.length === 0) {
    return <p className="rxd-dt-empty">{entries.length === 0 ? 'The cache holds no disco result yet.' : 'Nothing matches the filter.'}</p>
  }
  return (
    <>
      {KINDS.map(({ kind, title }) => {
        const group = shown.filter((entry) => entry.kind === kind)
        if (group.length === 0) return null
        return (
          <Section key={kind} label={`${title} entries`} title={title} note={plural(group.length, 'entry', 'entries')}>
            <Table columns={COLUMNS}>
              {group.map((entry) => (
                <EntryRow key={entry.hash} entry={entry} now={now} {...row} />
              ))}
            </Table>
          </Section>
        )
      })}
    </>
  )
}
