'use client'
import { isServer, skipToken, useQuery, useSuspenseQuery } from '@tanstack/react-query'
import { useMemo } from 'react'
import type {
  UseQueryOptions,
  UseQueryResult,
  UseSuspenseQueryOptions,
  UseSuspenseQueryResult,
} from '@tanstack/react-query'
import { DEFAULT_TIMEOUT } from '../core/DiscoClient.js'
import type { DiscoClient } from '../core/DiscoClient.js'
import { QUERY_KEY_ROOT } from '../core/queryKeys.js'
import type { DiscoKind } from '../core/queryKeys.js'
import { DisconnectedError } from '../core/errors.js'
import { jidValue, normalizeJid } from '../core/jid.js'
import type { JidInput } from '../core/jid.js'
import type { DiscoInfo, DiscoItemsList } from '../core/model.js'
import type { RequestQueue } from '../core/RequestQueue.js'
import { Session } from '../core/Session.js'
import { assertOptionalText, checkTimeout } from '../core/validate.js'
import type { XmppClient } from '../core/XmppClient.js'
import { useDiscoContext } from './context.js'
import { resultView } from './resultView.js'

/** What the hooks take besides TanStack's options. */
export interface DiscoTargetOptions {
  /** The node to query. */
  node?: string | undefined
  /**
   * Milliseconds to wait for the reply (Infinity: no limit); default 30000.
   * Where a fetch waits for the session (Suspense hooks), for both together.
   */
  timeout?: number | undefined
  /**
   * Send the request through this queue (a RequestQueue of the core): with
   * many hooks sharing one, at most its `limit` of their requests are in
   * flight. A cached answer, or a request already under way, needs no turn.
   */
  queue?: RequestQueue | undefined
}

/** Options shared by useDiscoInfo and useDiscoItems: TanStack's, less what the library sets. */
export type DiscoHookOptions<TResult, TData> = Omit<UseQueryOptions<TResult, Error, TData>, 'queryKey' | 'queryFn'> & DiscoTargetOptions

/** Options of useSuspenseDiscoInfo and useSuspenseDiscoItems: TanStack's, less what the library sets. */
export type DiscoSuspenseHookOptions<TResult, TData> = Omit<UseSuspenseQueryOptions<TResult, Error, TData>, 'queryKey' | 'queryFn'> &
  DiscoTargetOptions

type Result<K extends DiscoKind> = K extends 'info' ? DiscoInfo : DiscoItemsList

/**
 * The useQuery options of a hook.
 * - A missing jid, or a client that has never had an account, gives a
 *   disabled query outside the library's entries (TanStack's gcTime applies).
 * - While the session is not up, the query keeps its entry (and its data,
 *   through a stream resumption) but does not fetch.
 * - An invalid jid, node or timeout becomes the query's error
 *   (InvalidJidError / InvalidInputError) without anything being sent.
 */
export function discoQueryOptions<K extends DiscoKind, TData>(
  client: DiscoClient,
  xmpp: XmppClient,
  online: boolean,
  kind: K,
  jid: JidInput | null | undefined,
  { node, timeout, queue, enabled = true, ...rest }: DiscoHookOptions<Result<K>, TData>,
): UseQueryOptions<Result<K>, Error, TData> & { disabled?: true } {
  return withHookOptions(targetOptions(client, xmpp, kind, jid, xmpp.jid, { node, timeout, queue }), rest, online, enabled)
}

/**
 * The options that depend on the target alone (key, hash, queryFn): the
 * app's options go on top of `target`, and under `fixed`, which stands for
 * no query of ours to tune (no jid, no account yet, bad input).
 */
type TargetOptions<O> = { target: O } | { fixed: O; disabled?: true }

/**
 * What a hook keeps across renders: normalising the JID and hashing the key
 * cost more than the rest of a render's options (~5 µs), paid by every row
 * of a roster on every render otherwise.
 */
function targetOptions<K extends DiscoKind>(
  client: DiscoClient,
  xmpp: XmppClient,
  kind: K,
  jid: JidInput | null | undefined,
  account: XmppClient['jid'],
  { node, timeout, queue }: DiscoTargetOptions,
): TargetOptions<UseQueryOptions<Result<K>, Error, never>> {
  if (jid === null || jid === undefined || !account) {
    return { fixed: { queryKey: [QUERY_KEY_ROOT, 'disabled', kind, null, node ?? null], queryFn: skipToken }, disabled: true }
  }
  try {
    const base = kind === 'info' ? client.infoQueryOptions(jid, node, { timeout, queue }) : client.itemsQueryOptions(jid, node, { timeout, queue })
    return { target: base as unknown as UseQueryOptions<Result<K>, Error, never> }
  } catch (error) {
    return { fixed: invalidOptions(kind, jid, node, timeout, error) }
  }
}

/** A hook's target options with the app's own (which never replace the key, nor enable a query that has none). */
function withHookOptions<K extends DiscoKind, TData>(
  options: TargetOptions<UseQueryOptions<Result<K>, Error, never>>,
  rest: Omit<DiscoHookOptions<Result<K>, TData>, keyof DiscoTargetOptions | 'enabled'>,
  online: boolean,
  enabled: NonNullable<DiscoHookOptions<Result<K>, TData>['enabled']>,
): UseQueryOptions<Result<K>, Error, TData> & { disabled?: true } {
  type Options = UseQueryOptions<Result<K>, Error, TData>
  if ('target' in options) return { ...(options.target as Options), ...rest, enabled: online ? enabled : false }
  if (options.disabled) return { ...rest, ...(options.fixed as Options), enabled: false, disabled: true }
  return { ...rest, ...(options.fixed as Options), enabled }
}

/** The key and queryFn of bad input: the error, nothing sent. */
function invalidOptions(kind: DiscoKind, jid: unknown, node: string | undefined, timeout: number | undefined, error: unknown) {
  return {
    queryKey: [QUERY_KEY_ROOT, 'invalid', kind, String(jid), node ?? null, timeout ?? null],
    queryFn: () => Promise.reject(error instanceof Error ? error : new Error(String(error))),
    retry: false as const,
  }
}

/**
 * The useSuspenseQuery options of a Suspense hook that depend on its target.
 * - The fetch waits for the session when it is down, within `timeout`
 *   (then DisconnectedError, thrown to the error boundary).
 * - Rendering on a server it never fetches: without data (from
 *   HydrationBoundary) it throws, so React renders the Suspense fallback
 *   there and the component in the browser.
 * - A client that has no JID yet (no username given to client(), not yet
 *   bound) suspends under a key of its own until the session is up, then
 *   asks through DiscoClient, which stores under the real key.
 * - A null jid or other bad input is the error (InvalidJidError /
 *   InvalidInputError), nothing sent.
 * Kept across renders, as targetOptions.
 */
function suspenseTargetOptions<K extends DiscoKind>(
  client: DiscoClient,
  xmpp: XmppClient,
  kind: K,
  jid: JidInput,
  account: XmppClient['jid'],
  { node, timeout, queue }: DiscoTargetOptions,
): TargetOptions<UseSuspenseQueryOptions<Result<K>, Error, never>> {
  try {
    if (!account) return { fixed: unboundOptions(client, xmpp, kind, jid, node, timeout) }
    const settings = { timeout, queue, waitForSession: true }
    const base = (kind === 'info' ? client.infoQueryOptions(jid, node, settings) : client.itemsQueryOptions(jid, node, settings)) as unknown as UseSuspenseQueryOptions<
      Result<K>,
      Error,
      never
    >
    return { target: isServer ? { ...base, queryFn: notOnServer } : base }
  } catch (error) {
    return { fixed: invalidOptions(kind, jid, node, timeout, error) as UseSuspenseQueryOptions<Result<K>, Error, never> }
  }
}

/** A Suspense hook's target options with the app's own (which never replace the key). */
function withSuspenseOptions<K extends DiscoKind, TData>(
  options: TargetOptions<UseSuspenseQueryOptions<Result<K>, Error, never>>,
  rest: Omit<DiscoSuspenseHookOptions<Result<K>, TData>, keyof DiscoTargetOptions>,
): UseSuspenseQueryOptions<Result<K>, Error, TData> {
  type Options = UseSuspenseQueryOptions<Result<K>, Error, TData>
  return 'target' in options ? { ...(options.target as Options), ...rest } : { ...rest, ...(options.fixed as Options) }
}

function notOnServer(): Promise<never> {
  return Promise.reject(new DisconnectedError('Not fetched while rendering on a server: the browser asks after hydration'))
}

function unboundOptions<K extends DiscoKind>(
  client: DiscoClient,
  xmpp: XmppClient,
  kind: K,
  jid: JidInput,
  node: string | undefined,
  timeout: number | undefined,
): UseSuspenseQueryOptions<Result<K>, Error, never> {
  // Bad input is an error at once, as with an account.
  const target = normalizeJid(jid)
  assertOptionalText(node, 'node')
  const ms = checkTimeout(timeout, DEFAULT_TIMEOUT)
  return {
    queryKey: [QUERY_KEY_ROOT, 'unbound', kind, target, node ?? null],
    queryFn: async ({ signal }) => {
      if (isServer) return notOnServer()
      const started = Date.now()
      await Session.of(xmpp).whenOnline({ timeout: ms, signal })
      // One timeout for the session and the reply together, as with an account.
      const options = { node, timeout: ms === Infinity ? ms : Math.max(1, ms - (Date.now() - started)), signal }
      return (await (kind === 'info' ? client.queryInfo(target, options) : client.queryItems(target, options))) as Result<K>
    },
    retry: false,
  }
}

/**
 * A hook's target options (targetOptions or suspenseTargetOptions), made
 * again only for another target: a JID object counts by value (a new but
 * equal one each render is the same target), a new account is a new key.
 */
function useTargetOptions<K extends DiscoKind, J extends JidInput | null | undefined, O>(
  make: (client: DiscoClient, xmpp: XmppClient, kind: K, jid: J, account: XmppClient['jid'], settings: DiscoTargetOptions) => O,
  client: DiscoClient,
  xmpp: XmppClient,
  kind: K,
  jid: J,
  { node, timeout, queue }: DiscoTargetOptions,
): O {
  const target = jidValue(jid) as J
  const account = xmpp.jid
  return useMemo(() => make(client, xmpp, kind, target, account, { node, timeout, queue }), [make, client, xmpp, kind, target, account, node, timeout, queue])
}

/** useDiscoInfo and useDiscoItems: useQuery over discoQueryOptions; a disabled hook's refetch does nothing. */
export function useDiscoQuery<K extends DiscoKind, TData>(
  caller: string,
  kind: K,
  jid: JidInput | null | undefined,
  options: DiscoHookOptions<Result<K>, TData>,
): UseQueryResult<TData, Error> {
  const { client, xmpp, online } = useDiscoContext(caller)
  const { node, timeout, queue, enabled = true, ...rest } = options
  const forTarget = useTargetOptions(targetOptions, client, xmpp, kind, jid, { node, timeout, queue })
  const { disabled, ...queryOptions } = withHookOptions(forTarget, rest, online, enabled)
  const result = useQuery(queryOptions, client.queryClient)
  return disabled ? withoutRefetch(result) : result
}

/** useSuspenseDiscoInfo and useSuspenseDiscoItems: useSuspenseQuery over discoSuspenseOptions. */
export function useSuspenseDiscoQuery<K extends DiscoKind, TData>(
  caller: string,
  kind: K,
  jid: JidInput,
  options: DiscoSuspenseHookOptions<Result<K>, TData>,
): UseSuspenseQueryResult<TData, Error> {
  const { client, xmpp } = useDiscoContext(caller)
  const { node, timeout, queue, ...rest } = options
  const forTarget = useTargetOptions(suspenseTargetOptions, client, xmpp, kind, jid, { node, timeout, queue })
  return useSuspenseQuery(withSuspenseOptions(forTarget, rest), client.queryClient)
}

/**
 * TanStack's refetch() ignores `enabled` and would run the skipToken queryFn
 * (an error for every hook sharing the disabled key): there is nothing to
 * fetch, so it resolves with the current result.
 */
export function withoutRefetch<R extends { refetch: (...args: never[]) => Promise<unknown> }>(result: R): R {
  const view: R = resultView(result, { refetch: () => refetch as R['refetch'] }) as R
  const refetch = (): Promise<R> => Promise.resolve(view)
  return view
}
