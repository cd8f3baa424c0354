/**
 * decodeAcrossChunks: makes the client's TCP socket decode UTF-8 across reads.
 *
 * RFC 6120 section 11.6 (XML streams are UTF-8).
 *
 * xmpp.js 0.14's @xmpp/connection decodes each chunk a socket gives on its
 * own (`data.toString('utf8')`): a character whose bytes one TCP read splits
 * arrives as U+FFFD, twice. Large disco results (a directory of thousands of
 * rooms with names in French or Japanese) come in many reads, and some of
 * their names and JIDs come mangled (measured through Prosody and ejabberd:
 * a few items in every 5000). A Node socket given an encoding decodes across
 * reads (a StringDecoder), and the connection's toString of a string is the
 * string itself. Set when a query goes out, so on the socket the stream
 * runs on now (after STARTTLS, the TLS socket; after a reconnection, the new
 * one). WebSocket messages are whole: nothing to do there.
 */
import type { XmppClient } from './XmppClient.js'

interface Readable {
  setEncoding(encoding: 'utf8'): unknown
}

const decoding = new WeakSet<Readable>()

function readable(value: unknown): Readable | undefined {
  const candidate = value as Partial<Readable> | null | undefined
  return typeof candidate?.setEncoding === 'function' ? (candidate as Readable) : undefined
}

export function decodeAcrossChunks(xmpp: XmppClient): void {
  const socket = (xmpp as { socket?: unknown }).socket as { socket?: unknown } | null | undefined
  // A plain or STARTTLS socket is a Node socket; a direct TLS one (xmpps://) wraps it.
  const stream = readable(socket) ?? readable(socket?.socket)
  if (!stream || decoding.has(stream)) return
  decoding.add(stream)
  stream.setEncoding('utf8')
}
