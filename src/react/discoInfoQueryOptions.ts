import { queryOptions } from '@tanstack/react-query'
import type { DataTag, QueryClient, UnusedSkipTokenOptions } from '@tanstack/react-query'
import { DiscoClient, discoClientOf } from '../core/DiscoClient.js'
import type { DiscoKind, DiscoQueryKey } from '../core/queryKeys.js'
import { DiscoError } from '../core/errors.js'
import type { JidInput } from '../core/jid.js'
import type { DiscoInfo, DiscoItems } from '../core/model.js'
import type { XmppClient } from '../core/XmppClient.js'
import type { DiscoTargetOptions } from './discoQueryOptions.js'

/** The target's node and the timeout (for the session, when it is down, and the reply together), and where the entries live. */
export interface DiscoQueryOptionsInput extends DiscoTargetOptions {
  /**
   * With an xmpp client: the QueryClient its DiscoProvider uses (its
   * `queryClient` prop or the QueryClientProvider's). Without one, the
   * private QueryClient a DiscoProvider with neither uses.
   */
  queryClient?: QueryClient | undefined
}

/** TanStack query options typed by `queryOptions`: `queryKey` carries the data type for getQueryData. */
export type DiscoTanStackOptions<T, K extends DiscoKind> = UnusedSkipTokenOptions<T, Error, T, DiscoQueryKey<K>> & {
  queryKey: DataTag<DiscoQueryKey<K>, T, Error>
}

/** The DiscoClient whose entries the hooks below a DiscoProvider of `source` use. */
function clientOf(source: XmppClient | DiscoClient, queryClient: QueryClient | undefined): DiscoClient {
  if (!(source instanceof DiscoClient)) return discoClientOf(source, { queryClient })
  if (queryClient && queryClient !== source.queryClient) {
    throw new DiscoError('This DiscoClient caches in another QueryClient: leave queryClient out, or pass the xmpp client')
  }
  return source
}

/** Fetches that no `enabled` holds back while offline wait for the session instead. */
const settingsOf = ({ timeout }: DiscoQueryOptionsInput) => ({ timeout, waitForSession: true })

/**
 * The TanStack query options of `useDiscoInfo(jid, { node })`: the same
 * cache entry, for `useQueries`, `useSuspenseQuery`, `prefetchQuery`,
 * `ensureQueryData`, `fetchQuery` and `getQueryData` (typed by the key).
 * `source` is the xmpp client given to DiscoProvider (with its QueryClient
 * as `queryClient`) or a DiscoClient. While the session is down a fetch waits
 * for it, within `timeout` (then DisconnectedError). Throws InvalidJidError /
 * InvalidInputError on bad input.
 */
export function discoInfoQueryOptions(
  source: XmppClient | DiscoClient,
  jid: JidInput,
  options: DiscoQueryOptionsInput = {},
): DiscoTanStackOptions<DiscoInfo, 'info'> {
  return queryOptions(clientOf(source, options.queryClient).infoQueryOptions(jid, options.node, settingsOf(options)))
}

/** The TanStack query options of `useDiscoItems(jid, { node })`, as discoInfoQueryOptions. */
export function discoItemsQueryOptions(
  source: XmppClient | DiscoClient,
  jid: JidInput,
  options: DiscoQueryOptionsInput = {},
): DiscoTanStackOptions<DiscoItems, 'items'> {
  return queryOptions(clientOf(source, options.queryClient).itemsQueryOptions(jid, options.node, settingsOf(options)))
}
