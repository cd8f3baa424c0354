// The ./testing entry: a simulated XMPP network for tests and demos, in Node
// and in the browser, with no server. Entities are built from xmpp.js's own
// @xmpp/middleware and @xmpp/iq, so the code given one runs as in production.
export { answerDisco } from './answerDisco.js'
export type { DiscoNodeSpec, DiscoPagingSpec, DiscoResponder, DiscoSpec, StanzaErrorSpec } from './answerDisco.js'
export { EXAMPLE_FEATURES, EXAMPLE_JIDS, directorySpec, exampleNetwork } from './exampleNetwork.js'
export type { ExampleNetwork, ExampleNetworkOptions } from './exampleNetwork.js'
export { SimulatedEntity, parseJid } from './SimulatedEntity.js'
export type { IqCallee, IqCaller, Listener, ReceivedRequest, SimulatedEntityOptions, Transport } from './SimulatedEntity.js'
export { SimulatedNetwork } from './SimulatedNetwork.js'
export type { Interceptor, SimulatedNetworkOptions } from './SimulatedNetwork.js'
