/**
 * XEP-0198 (stream management) section 4, as xmpp.js 0.14 implements it:
 * a query is counted as handled as it is read, so the server will not send
 * it again after a resumption, and @xmpp/stream-management queues for
 * resending only what was written (its outgoing filter runs after the
 * write). So an answer whose write meets a dying connection would be lost,
 * and the peer would wait for its timeout. Here it joins that queue instead:
 * resent once the stream is resumed, dropped with the session otherwise.
 */
import { ClientHooks } from './ClientHooks.js'
import type { Release } from './Node.js'
import type { XmppClient } from './XmppClient.js'

/**
 * Returns `watch(id)`: the write of our answer with that id, if it fails,
 * puts the answer in xmpp.js's queue of unacknowledged stanzas. A write is
 * watched from the query to the write of its answer (the same run of
 * microtasks), and only in a resumable session: nothing wraps `send` otherwise.
 */
export function requeueFailedAnswers(xmpp: XmppClient): (id: string | undefined) => void {
  const unwritten = new Set<string | undefined>()
  let stopWatching: Release | undefined
  return (id) => {
    if (!xmpp.streamManagement?.id) return
    unwritten.add(id)
    stopWatching ??= ClientHooks.of(xmpp).interceptSend(
      (stanzas, write) => {
        for (const stanza of stanzas) unwritten.delete(stanza.attrs.id)
        if (unwritten.size === 0 && stopWatching) {
          // Not from within the chain of interceptors this write is going through.
          queueMicrotask(stopWatching)
          stopWatching = undefined
        }
        return write().catch((error: unknown) => {
          const sm = xmpp.streamManagement as { id?: string; outbound_q?: unknown[] } | undefined
          if (!sm?.id || !sm.outbound_q) throw error
          for (const stanza of stanzas) sm.outbound_q.push({ stanza })
        })
      },
      (stanza) => stanza.name === 'iq' && unwritten.has(stanza.attrs.id),
    )
  }
}
