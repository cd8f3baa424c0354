/**
 * ClientHooks: what this library attaches to an xmpp.js client, each piece
 * removable again.
 *
 * @xmpp/middleware (xmpp.js 0.14) has `use` for incoming stanzas and `filter`
 * for outgoing ones, and no way to take a middleware out. So one incoming
 * middleware per client is installed on first need and hands each stanza to
 * the taps added here; with no tap left it only calls next(). Its `filter`
 * runs on the 'send' event, after the stanza was written (packages/connection
 * `send`): too late to add entity capabilities to a presence. Stanzas are
 * changed before they are written by wrapping `send` and `sendMany` while at
 * least one interceptor is added; the originals come back with the last one.
 * An interceptor says which stanzas it is for (caps: presences): a write of
 * none of them skips it without entering the chain, so what is sent most
 * (stream management's <a/> acks, IQs) costs little more than a bare send.
 */
import type { Release } from './Node.js'
import type { XmlElement } from './xml.js'
import type { Emitter, IncomingContext, XmppClient } from './XmppClient.js'

/** Sees every incoming stanza; returns true when it has consumed it (no later middleware sees it). */
export type IncomingTap = (ctx: IncomingContext) => boolean | undefined

/**
 * Runs before `stanzas` are written; `write` writes them (through the next
 * interceptor, if any). Must call `write` exactly once, and return its result.
 */
export type SendInterceptor = (stanzas: XmlElement[], write: () => Promise<unknown>) => Promise<unknown>

/** Which stanzas an interceptor is for: a write with none of them skips it. */
export type StanzaFilter = (stanza: XmlElement) => boolean

const every: StanzaFilter = () => true

interface Interception {
  interceptor: SendInterceptor
  wants: StanzaFilter
}

type Send = (stanza: XmlElement) => Promise<unknown>
type SendMany = (stanzas: XmlElement[]) => Promise<unknown>
type Sending = XmppClient & { sendMany?: SendMany }

const hooks = new WeakMap<XmppClient, ClientHooks>()

export class ClientHooks {
  readonly #xmpp: Sending
  readonly #taps: IncomingTap[] = []
  #middlewareInstalled = false
  readonly #interceptors: Interception[] = []
  #wrapped: { send: Send; sendMany: SendMany | undefined; wrapper: Send; manyWrapper: SendMany | undefined } | undefined

  /** The hooks of `xmpp` (nothing is attached until a tap or interceptor is added). */
  static of(xmpp: XmppClient): ClientHooks {
    let found = hooks.get(xmpp)
    if (!found) {
      found = new ClientHooks(xmpp)
      hooks.set(xmpp, found)
    }
    return found
  }

  private constructor(xmpp: XmppClient) {
    this.#xmpp = xmpp
  }

  /** Adds `tap` after the taps already there. Returns its removal. */
  tapIncoming(tap: IncomingTap): Release {
    if (!this.#middlewareInstalled) {
      this.#middlewareInstalled = true
      this.#xmpp.middleware.use(this.#dispatch)
    }
    this.#taps.push(tap)
    return once(() => remove(this.#taps, tap))
  }

  readonly #dispatch = (ctx: IncomingContext, next: () => Promise<unknown>): unknown => {
    const taps = this.#taps
    for (let i = 0; i < taps.length; i++) {
      try {
        if (taps[i]?.(ctx) === true) return undefined
      } catch {
        // A tap reads peers' stanzas: what it cannot read must not stop the others.
      }
    }
    return next()
  }

  /**
   * Runs `interceptor` before each write of stanzas that `wants` one of, until
   * the returned removal. `wants` is asked at every write: an interceptor that
   * holds stanzas back wants every one meanwhile, so they queue behind them.
   */
  interceptSend(interceptor: SendInterceptor, wants: StanzaFilter = every): Release {
    const interception: Interception = { interceptor, wants }
    this.#interceptors.push(interception)
    this.#wrap()
    return once(() => {
      remove(this.#interceptors, interception)
      if (this.#interceptors.length === 0) this.#unwrap()
    })
  }

  /** How many taps and interceptors are attached (for tests and diagnostics). */
  get attached(): { taps: number; interceptors: number } {
    return { taps: this.#taps.length, interceptors: this.#interceptors.length }
  }

  #wrap(): void {
    if (this.#wrapped) return
    const xmpp = this.#xmpp
    const send = xmpp.send
    const sendMany = xmpp.sendMany
    // A stanza no interceptor wants (an ack, an IQ): no array, no closure, no chain.
    const wrapper: Send = (stanza) =>
      this.#interceptors.some((i) => i.wants(stanza)) ? this.#intercept([stanza], () => send.call(xmpp, stanza)) : send.call(xmpp, stanza)
    const manyWrapper: SendMany | undefined = sendMany
      ? (stanzas) => this.#intercept(stanzas, () => sendMany.call(xmpp, stanzas))
      : undefined
    xmpp.send = wrapper
    if (manyWrapper) xmpp.sendMany = manyWrapper
    this.#wrapped = { send, sendMany, wrapper, manyWrapper }
  }

  #unwrap(): void {
    const wrapped = this.#wrapped
    if (!wrapped) return
    const xmpp = this.#xmpp
    // Someone may have wrapped send on top of ours: then ours stays, passing through.
    if (xmpp.send !== wrapped.wrapper || xmpp.sendMany !== wrapped.manyWrapper) return
    // Own properties: the originals usually live on the prototype.
    if (Object.getPrototypeOf(xmpp)?.send === wrapped.send) delete (xmpp as { send?: Send }).send
    else xmpp.send = wrapped.send
    if (wrapped.sendMany && Object.getPrototypeOf(xmpp)?.sendMany === wrapped.sendMany) delete xmpp.sendMany
    else if (wrapped.sendMany) xmpp.sendMany = wrapped.sendMany
    this.#wrapped = undefined
  }

  /** Hands `stanzas` to the interceptors from `index` on that want one of them, the last one's `write` writing them. */
  #intercept(stanzas: XmlElement[], write: () => Promise<unknown>, index = 0): Promise<unknown> {
    for (let i = index; i < this.#interceptors.length; i++) {
      const { interceptor, wants } = this.#interceptors[i] as Interception
      if (stanzas.some(wants)) return interceptor(stanzas, () => this.#intercept(stanzas, write, i + 1))
    }
    return write()
  }
}

/** Listens to `event` on `emitter` until the returned removal (nothing, for an emitter without `on`). */
export function listen(emitter: Partial<Emitter>, event: string, listener: (...args: never[]) => void): Release {
  if (!emitter.on) return () => {}
  emitter.on(event, listener)
  return once(() => {
    if (emitter.off) emitter.off(event, listener)
    else emitter.removeListener?.(event, listener)
  })
}

/** `fn` made idempotent: a release may be called more than once. */
export function once(fn: () => void): Release {
  let done = false
  return () => {
    if (done) return
    done = true
    fn()
  }
}

function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item)
  if (index !== -1) list.splice(index, 1)
}
