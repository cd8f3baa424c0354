// CacheBound: the size bound of the disco caches over a TanStack QueryCache
// (aioxmpp's info_cache_size / items_cache_size; DESIGN.md: "bounded caches
// evict least-recently-used entries that nothing observes").
import { describe, expect, it } from 'vitest'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import type { QueryKey } from '@tanstack/query-core'
import { CacheBound } from '../../src/core/CacheBound.js'

function setup(initialLimit: number, seed: string[] = []) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity, staleTime: Infinity } } })
  for (const name of seed) queryClient.setQueryData(['bounded', name], name)
  let limit = initialLimit
  const bound = new CacheBound(queryClient.getQueryCache(), (key: QueryKey) => key[0] === 'bounded', () => limit)
  const put = (name: string): void => {
    queryClient.setQueryData(['bounded', name], name)
  }
  const has = (name: string): boolean => queryClient.getQueryCache().find({ queryKey: ['bounded', name], exact: true }) !== undefined
  const query = (name: string) => {
    const q = queryClient.getQueryCache().find({ queryKey: ['bounded', name], exact: true })
    if (!q) throw new Error(`no query ${name}`)
    return q
  }
  const observe = (name: string): (() => void) =>
    new QueryObserver(queryClient, { queryKey: ['bounded', name], queryFn: () => name, staleTime: Infinity }).subscribe(() => {})
  return {
    queryClient,
    bound,
    put,
    has,
    query,
    observe,
    setLimit: (n: number) => {
      limit = n
    },
  }
}

describe('CacheBound', () => {
  it('evicts the least recently added entries beyond the limit', () => {
    const { bound, put, has } = setup(3)
    for (const name of ['a', 'b', 'c', 'd', 'e']) put(name)
    expect(bound.size).toBe(3)
    expect(['a', 'b', 'c', 'd', 'e'].map(has)).toEqual([false, false, true, true, true])
  })

  it('keeps a touched entry over entries used less recently', () => {
    const { bound, put, has, query } = setup(3)
    for (const name of ['a', 'b', 'c']) put(name)
    bound.touch(query('a'))
    put('d')
    expect(['a', 'b', 'c', 'd'].map(has)).toEqual([true, false, true, true])
  })

  it('never evicts an entry an observer holds, and evicts it once its last observer leaves while the bound is exceeded', () => {
    const { bound, put, has, observe, setLimit } = setup(2)
    put('a')
    put('b')
    const stopA = observe('a')
    const stopB1 = observe('b')
    const stopB2 = observe('b')
    put('c')
    expect([has('a'), has('b'), has('c')]).toEqual([true, true, false])
    setLimit(1)
    bound.enforce()
    expect(bound.size).toBe(2)
    stopB1()
    expect(has('b')).toBe(true)
    stopB2()
    expect(has('b')).toBe(false)
    expect(has('a')).toBe(true)
    expect(bound.size).toBe(1)
    stopA()
  })

  it('never evicts an entry while it is fetching', async () => {
    const { bound, queryClient, put, has } = setup(1)
    let finish: (value: string) => void = () => {}
    const fetching = queryClient.fetchQuery({ queryKey: ['bounded', 'slow'], queryFn: () => new Promise<string>((r) => (finish = r)) })
    put('x')
    expect(has('slow')).toBe(true)
    expect(has('x')).toBe(false)
    finish('done')
    await fetching
    expect(bound.size).toBe(1)
    expect(has('slow')).toBe(true)
  })

  it('evicts an entry once it stops fetching while the bound is exceeded', async () => {
    const { bound, queryClient, put, has, setLimit } = setup(2)
    put('a')
    put('b')
    const finishers: (() => void)[] = []
    const refetch = (name: string) =>
      queryClient.fetchQuery({
        queryKey: ['bounded', name],
        staleTime: 0,
        queryFn: () => new Promise<string>((r) => finishers.push(() => r(`${name}2`))),
      })
    const fetches = [refetch('a'), refetch('b')]
    setLimit(1)
    bound.enforce()
    expect(bound.size).toBe(2)
    finishers[0]?.()
    await fetches[0]
    expect(has('a')).toBe(false)
    expect(has('b')).toBe(true)
    finishers[1]?.()
    await fetches[1]
    expect(bound.size).toBe(1)
  })

  it('enforces a lowered limit when asked', () => {
    const { bound, put, has, setLimit } = setup(5)
    for (const name of ['a', 'b', 'c', 'd']) put(name)
    setLimit(2)
    expect(bound.size).toBe(4)
    bound.enforce()
    expect(bound.size).toBe(2)
    expect(['a', 'b', 'c', 'd'].map(has)).toEqual([false, false, true, true])
  })

  it('counts only the queries it matches', () => {
    const { bound, queryClient, put, has } = setup(1)
    queryClient.setQueryData(['other', 1], 1)
    queryClient.setQueryData(['other', 2], 2)
    put('a')
    expect(bound.size).toBe(1)
    expect(has('a')).toBe(true)
    expect(queryClient.getQueryData(['other', 1])).toBe(1)
  })

  it('follows removals made elsewhere and includes the matching entries that existed before it', () => {
    const { bound, queryClient, has } = setup(3, ['old1', 'old2'])
    expect(bound.size).toBe(2)
    queryClient.removeQueries({ queryKey: ['bounded', 'old1'] })
    expect(bound.size).toBe(1)
    expect(has('old2')).toBe(true)
  })

  it('stops tracking once disposed', () => {
    const { bound, put } = setup(1)
    put('a')
    bound.dispose()
    put('b')
    put('c')
    expect(bound.size).toBe(1)
  })
})
