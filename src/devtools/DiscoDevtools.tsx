'use client'
import { useId, useLayoutEffect, useMemo, useState, useSyncExternalStore } from 'react'
import type { CSSProperties } from 'react'
import { useDiscoContext } from '../react/context.js'
import { CachePanel } from './CachePanel.js'
import { CapsPanel } from './CapsPanel.js'
import { DevtoolsStore } from './DevtoolsStore.js'
import { DEVTOOLS_CSS } from './devtoolsStyles.js'
import { EntityPanel } from './EntityPanel.js'
import { TrafficPanel } from './TrafficPanel.js'

export type DiscoDevtoolsTab = 'traffic' | 'cache' | 'caps' | 'entity'

export interface DiscoDevtoolsProps {
  /** Open at first; default false (a button in the corner, or the bar alone inline). */
  initialIsOpen?: boolean | undefined
  /**
   * 'fixed' (default): docked at the bottom of the window over the app, with
   * a launcher button while closed, like TanStack Query's devtools.
   * 'inline': where it is rendered, filling its container's height.
   */
  position?: 'fixed' | 'inline' | undefined
  /** The tab shown first (default 'traffic'). */
  initialTab?: DiscoDevtoolsTab | undefined
  /** How many rows the traffic log keeps (default 500). */
  maxLogRows?: number | undefined
  className?: string | undefined
  style?: CSSProperties | undefined
}

const noop = (): void => {}

const TABS: { id: DiscoDevtoolsTab; label: string }[] = [
  { id: 'traffic', label: 'Traffic' },
  { id: 'cache', label: 'Cache' },
  { id: 'caps', label: 'Caps' },
  { id: 'entity', label: 'Us' },
]

/**
 * Devtools for disco, inside a <DiscoProvider>: our identities, features,
 * forms and caps vers; the cache (entries per kind, observers, age; peers'
 * verified caps and the JIDs using them) with refetch and forget; a live log
 * of the traffic. It listens only while mounted (from its effects) and
 * removes every listener when unmounted.
 */
export function DiscoDevtools({ initialIsOpen = false, position = 'fixed', initialTab = 'traffic', maxLogRows, className, style }: DiscoDevtoolsProps) {
  const { xmpp, server, client } = useDiscoContext('DiscoDevtools')
  // Creating a store attaches nothing: its subscribe (run by React after commit) does.
  const store = useMemo(() => new DevtoolsStore(xmpp, server, client, { maxLogRows }), [xmpp, server, client, maxLogRows])
  // Listening from the layout effects on: the queries hooks start in their
  // (passive) effects on the first commit are in the log from their start.
  useLayoutEffect(() => store.subscribe(noop), [store])
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot)
  const [open, setOpen] = useState(initialIsOpen)
  const [tab, setTab] = useState<DiscoDevtoolsTab>(initialTab)
  const [filter, setFilter] = useState('')
  const id = useId()

  const pending = snapshot.log.filter((row) => row.type === 'request' && row.state === 'pending').length
  const counts: Record<DiscoDevtoolsTab, number | undefined> = {
    traffic: snapshot.log.length,
    cache: snapshot.cache.length,
    caps: snapshot.peers?.hashes.length,
    entity: undefined,
  }

  if (!open && position === 'fixed') {
    return (
      <>
        <style>{DEVTOOLS_CSS}</style>
        <button type="button" className="rxd-dt-launcher" aria-label="Open the disco devtools" onClick={() => setOpen(true)}>
          <b>◈</b> disco{pending > 0 && <span className="rxd-dt-count">{pending}</span>}
        </button>
      </>
    )
  }

  return (
    <section
      className={`rxd-dt${className ? ` ${className}` : ''}`}
      data-position={position}
      data-open={open}
      aria-label="Disco devtools"
      style={style}
    >
      <style>{DEVTOOLS_CSS}</style>
      <div className="rxd-dt-bar">
        <span className="rxd-dt-logo">
          <b>◈</b> disco devtools
        </span>
        <span className="rxd-dt-account" title={`${snapshot.account ?? 'not bound'} (xmpp.js status: ${snapshot.status})`}>
          <span className="rxd-dt-dot" data-status={snapshot.session} aria-hidden="true" />
          <span className="rxd-dt-mono">{snapshot.account ?? 'not bound'}</span> · <output aria-label="session">{snapshot.session}</output>
        </span>
        {open && (
          <div className="rxd-dt-tabs" role="tablist" aria-label="Devtools views">
            {TABS.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                id={`${id}-${t.id}`}
                aria-selected={tab === t.id}
                aria-controls={`${id}-panel`}
                className="rxd-dt-tab"
                onClick={() => setTab(t.id)}
              >
                {t.label}
                {counts[t.id] !== undefined && <span className="rxd-dt-count">{counts[t.id]}</span>}
              </button>
            ))}
          </div>
        )}
        <span className="rxd-dt-spacer" />
        {open && (
          <>
            <input
              className="rxd-dt-input"
              type="search"
              placeholder="Filter JIDs, nodes"
              aria-label="Filter"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
            {tab === 'traffic' && (
              <button type="button" className="rxd-dt-button" onClick={() => store.clearLog()}>
                Clear log
              </button>
            )}
            <button type="button" className="rxd-dt-button" data-tone="danger" onClick={() => store.flush()}>
              Flush cache
            </button>
          </>
        )}
        <button
          type="button"
          className="rxd-dt-button"
          aria-expanded={open}
          aria-label={open ? 'Close the disco devtools' : 'Open the disco devtools'}
          onClick={() => setOpen(!open)}
        >
          {open ? '▾ Hide' : '▴ Show'}
        </button>
      </div>
      {open && (
        <div className="rxd-dt-body" role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-${tab}`}>
          {tab === 'traffic' && <TrafficPanel log={snapshot.log} filter={filter} />}
          {tab === 'cache' && (
            <CachePanel
              entries={snapshot.cache}
              filter={filter}
              onRefetch={(entry) => store.refetch(entry)}
              onForget={(entry) => store.forget(entry)}
            />
          )}
          {tab === 'caps' && <CapsPanel peers={snapshot.peers} cache={snapshot.cache} filter={filter} />}
          {tab === 'entity' && <EntityPanel info={snapshot.info} caps={snapshot.caps} />}
        </div>
      )}
    </section>
  )
}
