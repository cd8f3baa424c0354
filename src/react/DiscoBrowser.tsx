'use client'
import { createContext, useContext, useEffect, useId, useMemo, useRef, useState } from 'react'
import type { CSSProperties, FocusEvent, KeyboardEvent, ReactNode } from 'react'
import type { UseQueryResult } from '@tanstack/react-query'
import type { DiscoInfo, DiscoItem } from '../core/model.js'
import { RequestQueue } from '../core/RequestQueue.js'
import { useDiscoInfo } from './useDiscoInfo.js'
import { useDiscoItemsPages } from './useDiscoItemsPages.js'
import type { UseDiscoItemsPagesResult } from './useDiscoItemsPages.js'

/** What a row knows, for `renderRow`. */
export interface DiscoBrowserRow {
  /** The item this row shows (the root row: the browsed jid and node). */
  item: DiscoItem
  /** 1 for the root row. */
  level: number
  expanded: boolean
  /** The item's disco#info query (on for every rendered row, through the browser's queue). */
  info: UseQueryResult<DiscoInfo, Error>
  /** The item's disco#items, a page at a time (enabled once the row is expanded). */
  items: UseDiscoItemsPagesResult
  toggle(): void
}

export interface DiscoBrowserProps {
  /** The entity to browse, e.g. your server's domain. */
  jid: string
  /** Its node to start from. */
  node?: string | undefined
  /** Class of the tree (default "rxd-browser"; parts have rxd-browser-* classes and data-state). */
  className?: string | undefined
  /** The tree's accessible name (default "Services of JID"). */
  label?: string | undefined
  /** Milliseconds each query waits for its reply (default 30000). */
  timeout?: number | undefined
  /** Whether the root row starts expanded (default true). */
  defaultExpanded?: boolean | undefined
  /**
   * Rows shown per expanded row before a "Show more" row, and items asked
   * per disco#items page (XEP-0059), 1-100; default 25.
   */
  pageSize?: number | undefined
  /** Replaces the content of a row's line (the toggle, name, address and status). */
  renderRow?: ((row: DiscoBrowserRow) => ReactNode) | undefined
  /** Leave out the few inline styles (list markers off, indentation). */
  unstyled?: boolean | undefined
}

interface TreeState {
  timeout: number | undefined
  pageSize: number
  /** Every row's disco#info goes through it: at most 6 in flight per browser. */
  queue: RequestQueue
  renderRow: DiscoBrowserProps['renderRow']
  unstyled: boolean
  /** The row that takes Tab focus (roving tabindex). */
  focused: string
  setFocused(path: string): void
}

const TreeContext = createContext<TreeState | null>(null)

const DEFAULT_PAGE_SIZE = 25

const TREEITEM = '[role="treeitem"]'

function focusRow(el: Element | null | undefined): void {
  if (el instanceof HTMLElement) el.focus()
}

/** The rendered rows of the tree, in reading order (collapsed rows have no children rendered). */
function visibleRows(from: HTMLElement): HTMLElement[] {
  const tree = from.closest('[role="tree"]')
  return tree ? [...tree.querySelectorAll<HTMLElement>(TREEITEM)] : []
}

/** Up, Down, Home and End move between the rendered rows (WAI-ARIA tree pattern); true when the key was one of them. */
function moveFocus(key: string, el: HTMLElement): boolean {
  const rows = visibleRows(el)
  switch (key) {
    case 'ArrowDown':
      focusRow(rows[rows.indexOf(el) + 1])
      return true
    case 'ArrowUp':
      focusRow(rows[rows.indexOf(el) - 1])
      return true
    case 'Home':
      focusRow(rows[0])
      return true
    case 'End':
      focusRow(rows.at(-1))
      return true
    default:
      return false
  }
}

const listStyle = (unstyled: boolean, indent: boolean): CSSProperties | undefined =>
  unstyled ? undefined : { listStyle: 'none', margin: 0, paddingInlineStart: indent ? '1.25em' : 0 }

/** A row's name: the item's name, else the first identity name, else the JID. */
function rowTitle(item: DiscoItem, info: DiscoInfo | undefined): string {
  return item.name ?? info?.identities.find((i) => i.name !== undefined)?.name ?? item.jid
}

function defaultRow({ item, info, expanded }: DiscoBrowserRow, labelId: string): ReactNode {
  const identities = info.data?.identities ?? []
  const title = rowTitle(item, info.data)
  return (
    <>
      <span className="rxd-browser-toggle" aria-hidden="true">
        {expanded ? '▾' : '▸'}{' '}
      </span>
      <span id={labelId} className="rxd-browser-name">
        {title}
      </span>{' '}
      <span className="rxd-browser-address">
        {item.jid}
        {item.node !== undefined && <> · node {item.node}</>}
      </span>{' '}
      {info.isError ? (
        <span className="rxd-browser-error" data-state="error">
          {info.error.message}
        </span>
      ) : info.data === undefined ? (
        <span className="rxd-browser-pending" data-state="pending">
          loading…
        </span>
      ) : (
        <span className="rxd-browser-identities" data-state="success">
          {identities.map((i) => `${i.category}/${i.type}`).filter((v, n, all) => all.indexOf(v) === n).join(', ')}
          {' · '}
          {info.data.features.length} {info.data.features.length === 1 ? 'feature' : 'features'}
        </span>
      )}
    </>
  )
}

interface RowProps {
  item: DiscoItem
  level: number
  path: string
  posinset: number
  setsize: number
  defaultExpanded: boolean
  /** Take focus when first rendered (the first row a "Show more" brought). */
  autoFocus?: boolean | undefined
}

function useTree(): TreeState {
  const tree = useContext(TreeContext)
  if (!tree) throw new Error('Row outside DiscoBrowser')
  return tree
}

function Row({ item, level, path, posinset, setsize, defaultExpanded, autoFocus }: RowProps) {
  const { timeout, pageSize, queue, renderRow, unstyled, focused, setFocused } = useTree()
  const [expanded, setExpanded] = useState(defaultExpanded)
  /** How many of its items the row shows; "Show more" adds a page. */
  const [shown, setShown] = useState(pageSize)
  /** The index of the first row the last "Show more" brought, which takes focus. */
  const [firstNew, setFirstNew] = useState<number | undefined>(undefined)
  const labelId = useId()
  const ref = useRef<HTMLLIElement>(null)
  const info = useDiscoInfo(item.jid, { node: item.node, timeout, queue })
  const items = useDiscoItemsPages(expanded ? item.jid : null, { node: item.node, pageSize, timeout })
  const toggle = (): void => setExpanded((e) => !e)
  const row: DiscoBrowserRow = { item, level, expanded, info, items, toggle }
  const { hasNextPage, isFetchingNextPage, fetchNextPage, isError } = items
  const wanting = expanded && !isError && hasNextPage && items.items.length < shown

  // Pages come in until the rows to show are there: a responder's pages
  // may be smaller than ours, and one that ignores RSM sends all at once.
  useEffect(() => {
    if (wanting && !isFetchingNextPage) void fetchNextPage({ cancelRefetch: false })
  }, [wanting, isFetchingNextPage, fetchNextPage])

  useEffect(() => {
    if (autoFocus) ref.current?.focus()
  }, [autoFocus])

  const showMore = (): void => {
    // After a failed page, asking again is what "Show more" means.
    if (isError) void fetchNextPage({ cancelRefetch: false })
    setFirstNew(shown)
    setShown(shown + pageSize)
  }

  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>): void => {
    // Rows nest: only the focused row handles its keys, not its ancestors.
    if (event.target !== event.currentTarget) return
    const el = event.currentTarget
    if (moveFocus(event.key, el)) {
      event.preventDefault()
      return
    }
    switch (event.key) {
      case 'ArrowRight':
        if (!expanded) setExpanded(true)
        else focusRow(el.querySelector(`:scope > [role="group"] > ${TREEITEM}`))
        break
      case 'ArrowLeft':
        if (expanded) setExpanded(false)
        else focusRow(el.parentElement?.closest(TREEITEM))
        break
      case 'Enter':
      case ' ':
        toggle()
        break
      default:
        return
    }
    event.preventDefault()
  }

  const onFocus = (event: FocusEvent<HTMLLIElement>): void => {
    if (event.target === event.currentTarget) setFocused(path)
  }

  const children = items.items
  const visible = children.length > shown ? children.slice(0, shown) : children
  const more = children.length > shown || hasNextPage
  // The whole set when known (aria-setsize -1: unknown).
  const total = items.count ?? (hasNextPage ? -1 : children.length)
  const state = info.isError ? 'error' : info.data === undefined ? 'pending' : 'success'
  return (
    <li
      ref={ref}
      role="treeitem"
      aria-expanded={expanded}
      aria-level={level}
      aria-posinset={posinset}
      aria-setsize={setsize}
      aria-labelledby={labelId}
      aria-busy={info.isPending && info.fetchStatus === 'fetching' ? true : undefined}
      tabIndex={focused === path ? 0 : -1}
      data-path={path}
      data-state={state}
      className="rxd-browser-row"
      onKeyDown={onKeyDown}
      onFocus={onFocus}
    >
      <div
        className="rxd-browser-line"
        onClick={(event) => {
          toggle()
          focusRow(event.currentTarget.parentElement)
        }}
        style={unstyled ? undefined : { cursor: 'pointer' }}
      >
        {renderRow ? (
          <span id={labelId}>{renderRow(row)}</span>
        ) : (
          defaultRow(row, labelId)
        )}
      </div>
      {expanded && info.data && info.data.features.length > 0 && (
        <ul className="rxd-browser-features" aria-label={`Features of ${rowTitle(item, info.data)}`} style={listStyle(unstyled, true)}>
          {info.data.features.map((feature) => (
            <li key={feature}>
              <code>{feature}</code>
            </li>
          ))}
        </ul>
      )}
      {expanded &&
        (items.isError && items.data === undefined ? (
          <div className="rxd-browser-items-error" data-state="error" style={listStyle(unstyled, true)}>
            Items: {items.error.message}
          </div>
        ) : items.data === undefined ? (
          <div className="rxd-browser-items-pending" data-state="pending" style={listStyle(unstyled, true)}>
            Loading items…
          </div>
        ) : children.length === 0 && !hasNextPage ? (
          <div className="rxd-browser-items-empty" data-state="empty" style={listStyle(unstyled, true)}>
            No items
          </div>
        ) : (
          <ul role="group" className="rxd-browser-group" style={listStyle(unstyled, true)}>
            {visible.map((child, i) => (
              <Row
                key={`${child.jid}\u0000${child.node ?? ''}`}
                item={child}
                level={level + 1}
                path={`${path}.${i}`}
                posinset={i + 1}
                setsize={total}
                defaultExpanded={false}
                autoFocus={i === firstNew}
              />
            ))}
            {more && (
              <ShowMore
                level={level + 1}
                path={`${path}.more`}
                shown={visible.length}
                total={items.count}
                loading={isFetchingNextPage || wanting}
                error={items.isFetchNextPageError ? items.error : null}
                onActivate={showMore}
                parentTitle={rowTitle(item, info.data)}
              />
            )}
          </ul>
        ))}
    </li>
  )
}

interface ShowMoreProps {
  level: number
  path: string
  shown: number
  total: number | undefined
  loading: boolean
  /** Why the last page did not come. */
  error: Error | null
  onActivate(): void
  parentTitle: string
}

/**
 * The last row of a long list: asks for the next page. A treeitem like the
 * others (it takes part in the arrow keys and the roving tabindex);
 * Enter, Space or a click activate it.
 */
function ShowMore({ level, path, shown, total, loading, error, onActivate, parentTitle }: ShowMoreProps) {
  const { unstyled, focused, setFocused } = useTree()
  const activate = (): void => {
    if (!loading) onActivate()
  }
  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>): void => {
    const el = event.currentTarget
    if (moveFocus(event.key, el)) {
      // handled
    } else if (event.key === 'Enter' || event.key === ' ') {
      activate()
    } else if (event.key === 'ArrowLeft') {
      focusRow(el.parentElement?.closest(TREEITEM))
    } else {
      return
    }
    event.preventDefault()
  }
  return (
    <li
      role="treeitem"
      aria-level={level}
      aria-label={`Show more items of ${parentTitle}`}
      aria-busy={loading ? true : undefined}
      tabIndex={focused === path ? 0 : -1}
      data-path={path}
      className="rxd-browser-more"
      data-state={error ? 'error' : loading ? 'pending' : 'idle'}
      onKeyDown={onKeyDown}
      onFocus={(event) => {
        if (event.target === event.currentTarget) setFocused(path)
      }}
      onClick={activate}
      style={unstyled ? undefined : { cursor: 'pointer' }}
    >
      {loading ? 'Loading more…' : 'Show more'}{' '}
      {error && <span className="rxd-browser-error">({error.message}) </span>}
      <span className="rxd-browser-more-count">
        ({shown} of {total ?? 'more'})
      </span>
    </li>
  )
}

/**
 * A service browser, as desktop XMPP clients have: a tree of an entity's
 * items (XEP-0030 disco#items), each row showing the item's identities and
 * features (disco#info) with its own loading and error state. A row asks for
 * its items when it is first expanded, a page at a time (XEP-0059,
 * `pageSize` items); a long list ends with a "Show more" row that shows (and
 * asks for) the next page. Only rendered rows ask for their disco#info, at
 * most 6 at a time per browser: a 10,000-room service costs one items
 * request and one info request per row shown. Keyboard: Up/Down move, Right
 * expands or enters, Left collapses or goes to the parent, Enter/Space toggle
 * (or show more), Home/End jump (WAI-ARIA tree pattern).
 */
export function DiscoBrowser({
  jid,
  node,
  className = 'rxd-browser',
  label,
  timeout,
  defaultExpanded = true,
  pageSize = DEFAULT_PAGE_SIZE,
  renderRow,
  unstyled = false,
}: DiscoBrowserProps) {
  const [focused, setFocused] = useState('0')
  // One queue per browser, made once; it installs nothing.
  const [queue] = useState(() => new RequestQueue())
  const state = useMemo<TreeState>(
    () => ({ timeout, pageSize, queue, renderRow, unstyled, focused, setFocused }),
    [timeout, pageSize, queue, renderRow, unstyled, focused],
  )
  const root: DiscoItem = node === undefined ? { jid } : { jid, node }
  return (
    <TreeContext.Provider value={state}>
      <ul role="tree" aria-label={label ?? `Services of ${jid}`} className={className} style={listStyle(unstyled, false)}>
        <Row key={`${jid}\u0000${node ?? ''}`} item={root} level={1} path="0" posinset={1} setsize={1} defaultExpanded={defaultExpanded} />
      </ul>
    </TreeContext.Provider>
  )
}
