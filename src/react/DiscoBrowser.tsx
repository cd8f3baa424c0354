'use client'
import { createContext, useContext, useId, useMemo, useState } from 'react'
import type { CSSProperties, FocusEvent, KeyboardEvent, ReactNode } from 'react'
import type { UseQueryResult } from '@tanstack/react-query'
import type { DiscoInfo, DiscoItem, DiscoItems } from '../core/model.js'
import { useDiscoInfo } from './useDiscoInfo.js'
import { useDiscoItems } from './useDiscoItems.js'

/** What a row knows, for `renderRow`. */
export interface DiscoBrowserRow {
  /** The item this row shows (the root row: the browsed jid and node). */
  item: DiscoItem
  /** 1 for the root row. */
  level: number
  expanded: boolean
  /** The item's disco#info query (always on for a rendered row). */
  info: UseQueryResult<DiscoInfo, Error>
  /** The item's disco#items query (enabled while the row is expanded). */
  items: UseQueryResult<DiscoItems, Error>
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
  /** Replaces the content of a row's line (the toggle, name, address and status). */
  renderRow?: ((row: DiscoBrowserRow) => ReactNode) | undefined
  /** Leave out the few inline styles (list markers off, indentation). */
  unstyled?: boolean | undefined
}

interface TreeState {
  timeout: number | undefined
  renderRow: DiscoBrowserProps['renderRow']
  unstyled: boolean
  /** The row that takes Tab focus (roving tabindex). */
  focused: string
  setFocused(path: string): void
}

const TreeContext = createContext<TreeState | null>(null)

const TREEITEM = '[role="treeitem"]'

function focusRow(el: Element | null | undefined): void {
  if (el instanceof HTMLElement) el.focus()
}

/** The rendered rows of the tree, in reading order (collapsed rows have no children rendered). */
function visibleRows(from: HTMLElement): HTMLElement[] {
  const tree = from.closest('[role="tree"]')
  return tree ? [...tree.querySelectorAll<HTMLElement>(TREEITEM)] : []
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
          {info.data.features.length} features
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
}

function Row({ item, level, path, posinset, setsize, defaultExpanded }: RowProps) {
  const tree = useContext(TreeContext)
  if (!tree) throw new Error('Row outside DiscoBrowser')
  const { timeout, renderRow, unstyled, focused, setFocused } = tree
  const [expanded, setExpanded] = useState(defaultExpanded)
  const labelId = useId()
  const info = useDiscoInfo(item.jid, { node: item.node, timeout })
  const items = useDiscoItems(expanded ? item.jid : null, { node: item.node, timeout })
  const toggle = (): void => setExpanded((e) => !e)
  const row: DiscoBrowserRow = { item, level, expanded, info, items, toggle }

  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>): void => {
    // Rows nest: only the focused row handles its keys, not its ancestors.
    if (event.target !== event.currentTarget) return
    const el = event.currentTarget
    const rows = (): HTMLElement[] => visibleRows(el)
    switch (event.key) {
      case 'ArrowDown': {
        const all = rows()
        focusRow(all[all.indexOf(el) + 1])
        break
      }
      case 'ArrowUp': {
        const all = rows()
        focusRow(all[all.indexOf(el) - 1])
        break
      }
      case 'Home':
        focusRow(rows()[0])
        break
      case 'End':
        focusRow(rows().at(-1))
        break
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

  const children = items.data?.items ?? []
  const state = info.isError ? 'error' : info.data === undefined ? 'pending' : 'success'
  return (
    <li
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
        (items.isError ? (
          <div className="rxd-browser-items-error" data-state="error" style={listStyle(unstyled, true)}>
            Items: {items.error.message}
          </div>
        ) : items.data === undefined ? (
          <div className="rxd-browser-items-pending" data-state="pending" style={listStyle(unstyled, true)}>
            Loading items…
          </div>
        ) : children.length === 0 ? (
          <div className="rxd-browser-items-empty" data-state="empty" style={listStyle(unstyled, true)}>
            No items
          </div>
        ) : (
          <ul role="group" className="rxd-browser-group" style={listStyle(unstyled, true)}>
            {children.map((child, i) => (
              <Row
                key={`${child.jid}\u0000${child.node ?? ''}`}
                item={child}
                level={level + 1}
                path={`${path}.${i}`}
                posinset={i + 1}
                setsize={children.length}
                defaultExpanded={false}
              />
            ))}
          </ul>
        ))}
    </li>
  )
}

/**
 * A service browser, as desktop XMPP clients have: a tree of an entity's
 * items (XEP-0030 disco#items), each row showing the item's identities and
 * features (disco#info) with its own loading and error state. A row asks for
 * its items when it is first expanded. Keyboard: Up/Down move, Right expands
 * or enters, Left collapses or goes to the parent, Enter/Space toggle,
 * Home/End jump (WAI-ARIA tree pattern).
 */
export function DiscoBrowser({
  jid,
  node,
  className = 'rxd-browser',
  label,
  timeout,
  defaultExpanded = true,
  renderRow,
  unstyled = false,
}: DiscoBrowserProps) {
  const [focused, setFocused] = useState('0')
  const state = useMemo<TreeState>(
    () => ({ timeout, renderRow, unstyled, focused, setFocused }),
    [timeout, renderRow, unstyled, focused],
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
