/**
 * CapsAdvertiser: our entity capabilities, on every available presence we send.
 *
 * XEP-0115 "Advertising Capabilities" (<c/> on every presence but
 *   unavailable, sent again when the info changes), section 7 and XEP-0390
 *   section 5.1 (the caps features say we do caps), XEP-0390 section 5.4
 *   (the hash set on presence)
 *
 * The root node's info gives a `ver` (and a XEP-0390 hash set), once per
 * burst of changes (CapsComputer). Presences are annotated before they are
 * written, through a send interceptor of ClientHooks: xmpp.js's
 * middleware.filter sees a stanza only after it was written, too late to
 * change it. When the info changes, the last broadcast presence is sent
 * again, with the burst's ver. Everything attached
 * (interceptor, listeners, caps nodes, features, timers) goes with dispose().
 */
import xml from '@xmpp/xml'
import { BroadcastPresence, presenceToResend, withoutCaps } from '../BroadcastPresence.js'
import { ClientHooks } from '../ClientHooks.js'
import type { DiscoServer } from '../DiscoServer.js'
import { NS_CAPS, NS_CAPS2, NS_HASHES } from '../namespaces.js'
import type { Release } from '../Node.js'
import { Session } from '../Session.js'
import { cloneElement } from '../xml.js'
import type { XmlElement } from '../xml.js'
import type { XmppClient } from '../XmppClient.js'
import type { CapsHash } from './advertisedCaps.js'
import { CapsComputer } from './CapsComputer.js'
import { CapsVersions } from './CapsVersions.js'
import type { CapsVersion } from './CapsVersions.js'

function isAvailablePresence(stanza: XmlElement): boolean {
  return stanza.name === 'presence' && (stanza.attrs.type === undefined || stanza.attrs.type === '')
}

export class CapsAdvertiser {
  readonly #xmpp: XmppClient
  readonly #node: string
  readonly #versions: CapsVersions
  readonly #computer: CapsComputer
  #detach: Release[]
  #disposed = false
  /** Held off until resumed or disposed: its last holder let go (EntityCaps#mount). */
  #suspended = false
  /** The app's last broadcast available presence (caps removed), re-sent when the info changes. */
  #lastBroadcast: XmlElement | undefined
  /**
   * The version it went out with (its ver and XEP-0390 hashes: a new stream
   * language changes the hashes alone); undefined while it waits to go out,
   * null when it carried something no version of ours equals.
   */
  #broadcast: CapsVersion | null | undefined
  #announced: Promise<unknown> = Promise.resolve()
  #queued = 0
  #tail: Promise<unknown> = Promise.resolve()

  /** Advertises `server`'s info under `node` (with a XEP-0390 hash set if `ecaps2`), answering `history` previous vers. */
  constructor(xmpp: XmppClient, server: DiscoServer, { node, ecaps2, history }: { node: string; ecaps2: boolean; history: number }) {
    this.#xmpp = xmpp
    this.#node = node
    this.#versions = new CapsVersions(server, node, history)
    const features = server.batch(() => [server.claimFeature(NS_CAPS), ...(ecaps2 ? [server.claimFeature(NS_CAPS2)] : [])])
    const session = Session.of(xmpp)
    this.#computer = new CapsComputer(server, this.#versions, { ecaps2, lang: session.streamLang }, () => this.#announce())
    this.#detach = [
      () => server.batch(() => features.forEach((release) => release())),
      server.onInfoChanged(() => this.#computer.changed()),
      // Only presences carry caps; while a presence waits for its ver, every stanza queues behind it.
      ClientHooks.of(xmpp).interceptSend(
        (stanzas, write) => this.#send(stanzas, write),
        (stanza) => stanza.name === 'presence' || this.#queued > 0,
      ),
      session.onEnd(() => {
        // A new session: the app sends its own presence again.
        this.#lastBroadcast = undefined
        this.#broadcast = undefined
      }),
      session.subscribe(() => {
        // A stream whose server gives our stanzas another language (its header
        // comes before 'online'): the presence of the session waits for the new hashes.
        if (this.#computer.setLanguage(session.streamLang)) return
        if (!this.#computer.busy && session.online) {
          // A change made while the connection was down (or whose presence met
          // the dying connection) is announced once the stream is resumed
          // (XEP-0198): the session goes on, and peers still hold the old ver.
          this.#announce()
        }
      }),
    ]
    // Turned on in a session whose presence went out already (caps off and on
    // again, or other options): peers hold the ver it carried, or none, so
    // the first ver is announced on it.
    const earlier = BroadcastPresence.of(xmpp).last
    if (earlier) {
      this.#lastBroadcast = earlier
      this.#broadcast = null
    }
    this.#computer.compute()
  }

  /** The current XEP-0115 ver (undefined until first computed). */
  get ver(): string | undefined {
    return this.#versions.current?.ver
  }

  /** The current XEP-0390 hash set (empty with ecaps2: false). */
  get hashes(): readonly CapsHash[] {
    return this.#versions.current?.hashes ?? []
  }

  /** Our vers still answered, newest (current) first, each with its XEP-0390 hashes. */
  get versions(): { ver: string; hashes: readonly CapsHash[] }[] {
    return this.#versions.all.map(({ ver, hashes }) => ({ ver, hashes })).reverse()
  }

  /** Resolves once the vers of every change so far are computed, and the presence announcing them (if any) is sent. */
  async update(): Promise<void> {
    await this.#computer.settled()
    await this.#announced
  }

  /**
   * Stops annotating and re-announcing at once, until resume(): turned off is
   * off for a presence sent in the same tick, while dispose() waits for the
   * end of the task (a StrictMode remount resumes instead).
   */
  suspend(): void {
    this.#suspended = true
  }

  resume(): void {
    this.#suspended = false
  }

  /** No more <c/>, caps nodes or caps features; no timer left. */
  dispose(): void {
    this.#disposed = true
    this.#computer.dispose()
    for (const detach of this.#detach) detach()
    this.#detach = []
    this.#versions.dispose()
    this.#lastBroadcast = undefined
  }

  /** Re-sends the last broadcast presence if it went out with an older version. */
  #announce(): void {
    const last = this.#lastBroadcast
    const current = this.#versions.current
    if (!last || this.#disposed || this.#suspended || this.#broadcast === undefined || this.#broadcast === current) return
    if (this.#xmpp.status !== 'online') return
    // Not awaited: a presence waiting for this very computation would wait for it in turn.
    this.#announced = this.#xmpp.send(cloneElement(last)).catch(() => {
      // Not written (the connection died under it): again once resumed; after a new session, the app's own presence.
      if (this.#broadcast === current) this.#broadcast = null
    })
  }

  #annotate(stanza: XmlElement): void {
    const version = this.#versions.current
    if (!version || this.#suspended) return
    stanza.children = withoutCaps(stanza)
    stanza.append(xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: this.#node, ver: version.ver }))
    if (version.hashes.length > 0) {
      stanza.append(xml('c', { xmlns: NS_CAPS2 }, ...version.hashes.map((h) => xml('hash', { xmlns: NS_HASHES, algo: h.algo }, h.value))))
    }
    if (stanza.attrs.to === undefined) this.#broadcast = version
  }

  /** Notes the app's broadcast presence (the one re-sent on changes); forgets it on unavailable. */
  #track(stanza: XmlElement): void {
    if (stanza.name !== 'presence' || stanza.attrs.to) return
    if (isAvailablePresence(stanza)) {
      this.#lastBroadcast = presenceToResend(stanza)
      this.#broadcast = undefined
    } else if (stanza.attrs.type === 'unavailable') {
      this.#lastBroadcast = undefined
      this.#broadcast = undefined
    }
  }

  /**
   * Annotates the available presences among `stanzas`, then writes them. A
   * presence sent while a ver is being computed (the first, or one for recent
   * changes) waits for it, and whatever is sent meanwhile waits behind it,
   * so stanzas keep their order.
   */
  #send(stanzas: XmlElement[], write: () => Promise<unknown>): Promise<unknown> {
    for (const stanza of stanzas) this.#track(stanza)
    const presences = stanzas.filter(isAvailablePresence)
    const waits = presences.length > 0 && (this.#computer.busy || !this.#versions.current)
    if (this.#queued === 0 && !waits) {
      for (const p of presences) this.#annotate(p)
      return write()
    }
    this.#queued++
    const result = this.#tail.then(async () => {
      if (presences.length > 0) await this.#computer.settled()
      for (const p of presences) this.#annotate(p)
      return write()
    })
    this.#tail = result.then(
      () => this.#queued--,
      () => this.#queued--,
    )
    return result
  }
}
