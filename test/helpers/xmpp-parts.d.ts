// xmpp.js ships no types; these are the pieces the in-memory transport assembles.
declare module '@xmpp/middleware' {
  import type { XmppClient } from '../../src/core/XmppClient.js'
  const middleware: (args: { entity: unknown }) => XmppClient['middleware']
  export default middleware
}
declare module '@xmpp/iq/caller.js' {
  import type { XmlElement } from '../../src/core/xml.js'
  const caller: (args: { entity: unknown; middleware: unknown }) => { request(el: XmlElement, timeout?: number): Promise<XmlElement> }
  export default caller
}
declare module '@xmpp/iq/callee.js' {
  import type { XmppClient } from '../../src/core/XmppClient.js'
  const callee: (args: { entity: unknown; middleware: unknown }) => XmppClient['iqCallee']
  export default callee
}
