// The ./core entry: no React.
export { DiscoServer } from './DiscoServer.js'
export type { MountOptions } from './DiscoServer.js'
export {
  DiscoError,
  DisconnectedError,
  InvalidInputError,
  InvalidJidError,
  MalformedResponseError,
  RegistrationError,
  StanzaError,
  STANZA_ERROR_CONDITIONS,
  TimeoutError,
} from './errors.js'
export type { RegistrationErrorReason, StanzaErrorCondition, StanzaErrorType } from './errors.js'
export { extendedInfoForm, softwareInfoForm } from './extendedInfoForm.js'
export type { FormFields, SoftwareInfoValues } from './extendedInfoForm.js'
export { normalizeJid, toJid } from './jid.js'
export type { JidInput, ParsedJid } from './jid.js'
export {
  formToXml,
  getFormType,
  infoToXml,
  itemsToXml,
  parseInfo,
  parseItems,
  toCapsDict,
} from './model.js'
export type { CapsDict, DataForm, DataFormField, DiscoIdentity, DiscoInfo, DiscoItem, DiscoItems } from './model.js'
export * from './namespaces.js'
export { MANDATORY_FEATURES, Node, StaticNode } from './Node.js'
export type { ClaimRelease, IdentityNames, Release } from './Node.js'
export { RegisteredFeature } from './RegisteredFeature.js'
export type { XmlElement, XmlNode } from './xml.js'
export type { IncomingContext, XmppClient } from './XmppClient.js'
export { DEFAULT_TIMEOUT, DiscoClient, QUERY_KEY_ROOT } from './DiscoClient.js'
export type {
  DiscoClientOptions,
  DiscoKind,
  DiscoQueryKey,
  DiscoQueryOptions,
  DiscoQueryOptionsSettings,
  InfoQueryOptions,
  QueryOptions,
} from './DiscoClient.js'
export { ReplyMatcher, stanzaErrorFrom } from './ReplyMatcher.js'
export type { PendingRequest } from './ReplyMatcher.js'
export type { InfoSource } from './DiscoClient.js'
