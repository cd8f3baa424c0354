// Types for @xmpp/client in an app without @types/xmpp__client (the README's
// "TypeScript" section): the client as react-xmpp-disco sees it, plus the few
// calls the app makes itself.
declare module '@xmpp/client' {
  import type { XmlElement, XmppClient } from 'react-xmpp-disco/core'

  export interface Client extends XmppClient {
    on(event: 'stanza', listener: (stanza: XmlElement) => void): this
    on(event: string, listener: (...args: never[]) => void): this
    start(): Promise<unknown>
    stop(): Promise<unknown>
    reconnect: { delay: number; stop(): void }
  }

  export function client(options: { service: string; domain?: string; resource?: string; username?: string; password?: string }): Client
  export function xml(name: string, attrs?: Record<string, string | undefined> | null, ...children: (XmlElement | string)[]): XmlElement
}
