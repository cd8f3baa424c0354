// DiscoBrowser over large directories, counted on the wire: what the first
// screen costs, how many disco#info requests are in flight at once, and the
// "Show more" row.
import { cleanup, screen, waitFor, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { NS_DISCO_ITEMS } from '../../src/core/index.js'
import { DiscoBrowser } from '../../src/react/index.js'
import { answerDisco, directorySpec } from '../../src/testing/index.js'
import type { DiscoPagingSpec } from '../../src/testing/index.js'
import { watchInfoInFlight } from '../helpers/infoInFlight.js'
import { renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

const DIRECTORY = 'directory.example.org'

function browse(size: number, paging?: DiscoPagingSpec) {
  const { network, alice, queryClient } = setup()
  answerDisco(network.entity(DIRECTORY), { ...directorySpec(DIRECTORY, size), paging })
  const info = watchInfoInFlight(network, alice.jid.toString())
  renderWithDisco(alice, <DiscoBrowser jid={DIRECTORY} />, queryClient)
  return { alice, info, itemsSent: () => alice.sentQueries(NS_DISCO_ITEMS).length }
}

// Plain selectors where many rows are read again and again (role queries compute accessible names, slowly in jsdom).
/** The rows of the root's group (the items), without the root and the "Show more" row. */
function itemRows(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('[role="treeitem"][aria-level="2"].rxd-browser-row')]
}

/** The "Show more" row, found by its accessible name. */
function showMore(): HTMLElement {
  return screen.getByRole('treeitem', { name: 'Show more items of Large directory' })
}

async function allRowsAnswered(count: number): Promise<void> {
  await waitFor(() => {
    const rows = itemRows()
    expect(rows).toHaveLength(count)
    for (const row of rows) expect(row.getAttribute('data-state')).toBe('success')
  })
}

// Hundreds of rows in jsdom on 2 busy cores: more time than the default 5 s.
describe('DiscoBrowser on a large directory', { timeout: 30_000 }, () => {
  it('shows a first screen of 1000 items for one items IQ and one info IQ per rendered row, never more than 6 in flight', async () => {
    const { info, itemsSent } = browse(1000)
    await allRowsAnswered(25)
    expect(screen.getByRole('treeitem', { name: 'Large directory' }).getAttribute('data-state')).toBe('success')
    await settle(20)
    expect(itemsSent()).toBe(1)
    // The root's and each rendered row's, once.
    expect(info.sent).toBe(26)
    expect(info.max).toBeLessThanOrEqual(6)
    expect(info.max).toBeGreaterThan(1)
    const more = showMore()
    expect(more.textContent).toContain('Show more (25 of 1000)')
    expect(itemRows()[0]?.getAttribute('aria-setsize')).toBe('1000')
  })

  it('asks for the next page from the keyboard-accessible "Show more" row, and moves focus to the first new row', async () => {
    const user = userEvent.setup()
    const { info, itemsSent } = browse(1000)
    await allRowsAnswered(25)
    const root = screen.getByRole('treeitem', { name: 'Large directory' })
    root.focus()
    await user.keyboard('{End}')
    const more = showMore()
    expect(document.activeElement).toBe(more)
    await user.keyboard('{Enter}')
    await allRowsAnswered(50)
    await waitFor(() => expect(document.activeElement).toBe(itemRows()[25]))
    expect(within(itemRows()[25] as HTMLElement).getByText('Topic 26')).toBeTruthy()
    await settle(20)
    expect(itemsSent()).toBe(2)
    expect(info.sent).toBe(51)
    expect(info.max).toBeLessThanOrEqual(6)
    expect(showMore().textContent).toContain('(50 of 1000)')
    // Space works too, and a click.
    showMore().focus()
    await user.keyboard(' ')
    await allRowsAnswered(75)
    await user.click(showMore())
    await allRowsAnswered(100)
    expect(itemsSent()).toBe(4)
  })

  it('shows a page at a time of a responder that ignores RSM, asking for its items once', async () => {
    const { info, itemsSent } = browse(1000, { ignoreRsm: true })
    await allRowsAnswered(25)
    await settle(20)
    expect(itemsSent()).toBe(1)
    expect(info.sent).toBe(26)
    const more = showMore()
    expect(more.textContent).toContain('(25 of 1000)')
    await userEvent.click(more)
    await allRowsAnswered(50)
    expect(itemsSent()).toBe(1)
    expect(info.sent).toBe(51)
  })

  it('fills a screen from a responder whose pages are smaller than ours', async () => {
    const { itemsSent } = browse(100, { maxPageSize: 10 })
    await allRowsAnswered(25)
    await settle(20)
    expect(itemsSent()).toBe(3)
    expect(showMore().textContent).toContain('(25 of 100)')
  })

  it('has no "Show more" row when every item is shown', async () => {
    browse(25)
    await allRowsAnswered(25)
    await settle(20)
    expect(screen.queryByRole('treeitem', { name: /Show more/ })).toBeNull()
  })
})
