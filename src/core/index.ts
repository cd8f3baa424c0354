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
  hasFeature,
  infoToXml,
  itemsToXml,
  parseInfo,
  parseItems,
  parseItemsPage,
  toCapsDict,
} from './model.js'
export type {
  CapsDict,
  DataForm,
  DataFormField,
  DiscoIdentity,
  DiscoInfo,
  DiscoItem,
  DiscoItems,
  DiscoItemsList,
  DiscoItemsPage,
} from './model.js'
export {
  MAX_PAGE_SIZE,
  itemUid,
  parseRsmRequest,
  parseRsmResult,
  rsmRequestToXml,
  rsmResultToXml,
  selectPage,
} from './rsm.js'
export type { Page, RsmRequest, RsmResult } from './rsm.js'
export { DEFAULT_CONCURRENCY, RequestQueue } from './RequestQueue.js'
export { findServices } from './findServices.js'
export type { FindServicesOptions, FoundService } from './findServices.js'
export * from './namespaces.js'
export { MANDATORY_FEATURES, Node, StaticNode } from './Node.js'
export type { ClaimRelease, IdentityNames, Release } from './Node.js'
export { RegisteredFeature } from './RegisteredFeature.js'
export type { XmlElement, XmlNode } from './xml.js'
export type { IncomingContext, XmppClient } from './XmppClient.js'
export { DEFAULT_MAX_ITEMS, DEFAULT_TIMEOUT, DiscoClient } from './DiscoClient.js'
export type {
  DiscoClientOptions,
  InfoQueryOptions,
  ItemsPageOptions,
  ItemsQueryOptions,
  QueryOptions,
} from './DiscoClient.js'
export { QUERY_KEY_ROOT } from './queryKeys.js'
export type { DiscoKind, DiscoPageKey, DiscoPagesKey, DiscoQueryKey, PageRequest } from './queryKeys.js'
export type { DiscoPagesQueryOptions, DiscoQueryOptions, DiscoQueryOptionsSettings } from './queryOptions.js'
export { DiscoEvents } from './DiscoEvents.js'
export type {
  AbandonedEvent,
  AnsweredEvent,
  AskedEvent,
  CapsUnverifiedEvent,
  CapsUsedEvent,
  CapsVerifiedEvent,
  DiscoEvent,
  DiscoEventKind,
  DiscoEventListener,
  FailedEvent,
  ReaskedEvent,
  ServedEvent,
  SpoofedEvent,
} from './DiscoEvents.js'
export { ReplyMatcher, stanzaErrorFrom } from './ReplyMatcher.js'
export type { PendingRequest } from './ReplyMatcher.js'
export type { InfoSource, InfoSourceContext } from './DiscoClient.js'
