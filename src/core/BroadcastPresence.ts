/**
 * BroadcastPresence: the app's last broadcast available presence of the
 * current session, remembered while someone holds it.
 *
 * RFC 6121 section 4.2 (the initial presence, broadcast: no `to`) and 4.5
 *   (an unavailable one ends it); XEP-0115 section 4 (when what we advertise
 *   changes, the presence is sent again with the new caps).
 *
 * Entity capabilities re-send this presence when our caps change. While caps
 * are on, their advertiser sees every presence itself; this memory is for
 * when caps come on later in a session in which the app already sent its
 * presence (a DiscoProvider's `caps` toggled off and on, or given other
 * options): the new caps must announce themselves on it, else peers keep the
 * ver of the presence they saw, whose node#ver we no longer answer. A
 * DiscoProvider holds it while mounted, so the presences sent while caps are
 * off are known too. It reads the client's 'send' event (after the write: it
 * only remembers), and forgets at the end of the session.
 */
import { listen, once } from './ClientHooks.js'
import { NS_CAPS, NS_CAPS2 } from './namespaces.js'
import type { Release } from './Node.js'
import { Session } from './Session.js'
import { cloneElement } from './xml.js'
import type { XmlElement } from './xml.js'
import type { XmppClient } from './XmppClient.js'

const memories = new WeakMap<XmppClient, BroadcastPresence>()

export class BroadcastPresence {
  readonly #xmpp: XmppClient
  #holders = 0
  #detach: Release[] = []
  #last: XmlElement | undefined

  /** The BroadcastPresence of `xmpp` (it listens only while held). */
  static of(xmpp: XmppClient): BroadcastPresence {
    let memory = memories.get(xmpp)
    if (!memory) {
      memory = new BroadcastPresence(xmpp)
      memories.set(xmpp, memory)
    }
    return memory
  }

  private constructor(xmpp: XmppClient) {
    this.#xmpp = xmpp
  }

  /** Remembers the app's broadcast presences until the returned release (the last release forgets). */
  hold(): Release {
    if (this.#holders++ === 0) {
      this.#detach = [listen(this.#xmpp, 'send', this.#onSend), Session.of(this.#xmpp).onEnd(this.#forget)]
    }
    return once(() => {
      if (--this.#holders > 0) return
      for (const detach of this.#detach) detach()
      this.#detach = []
      this.#forget()
    })
  }

  /** A copy of the last broadcast available presence sent in this session while held, without caps, id or from. */
  get last(): XmlElement | undefined {
    return this.#last && cloneElement(this.#last)
  }

  readonly #onSend = (stanza: XmlElement): void => {
    if (stanza.name !== 'presence' || stanza.attrs.to) return
    const type = stanza.attrs.type
    if (type === 'unavailable') return this.#forget()
    if (type !== undefined && type !== '') return
    this.#last = presenceToResend(stanza)
  }

  readonly #forget = (): void => {
    this.#last = undefined
  }
}

/** A copy of an available presence to send again: no caps (they are added afresh), no id, no from. */
export function presenceToResend(stanza: XmlElement): XmlElement {
  const copy = cloneElement(stanza)
  delete copy.attrs.id
  delete copy.attrs.from
  copy.children = withoutCaps(copy)
  return copy
}

/** The children of a presence without its entity capabilities (XEP-0115 and XEP-0390 `<c/>`). */
export function withoutCaps(stanza: XmlElement): XmlElement['children'] {
  return stanza.children.filter((c) => typeof c === 'string' || !(c.is('c', NS_CAPS) || c.is('c', NS_CAPS2)))
}
