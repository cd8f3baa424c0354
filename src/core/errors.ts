/**
 * The error hierarchy. Every error this library raises is a DiscoError, so an
 * app can tell ours from its own with one instanceof.
 *
 * RFC 6120 section 8.3 defines the stanza error conditions carried by StanzaError.
 */
import type { XmlElement } from './xml.js'

export class DiscoError extends Error {
  override name = 'DiscoError'
}

/** The app passed something unusable (empty var, control character, ...). Nothing was changed or sent. */
export class InvalidInputError extends DiscoError {
  override name = 'InvalidInputError'
}

/** An app-supplied JID does not parse as an XMPP address (RFC 7622). Nothing was sent. */
export class InvalidJidError extends InvalidInputError {
  override name = 'InvalidJidError'
  readonly input: unknown
  constructor(input: unknown, reason: string) {
    super(`Invalid JID ${JSON.stringify(String(input))}: ${reason}`)
    this.input = input
  }
}

export type RegistrationErrorReason = 'duplicate' | 'mandatory' | 'not-registered' | 'last-identity' | 'invalid'

/**
 * A strict register or unregister call that the node refuses. aioxmpp raises
 * ValueError or KeyError for these; `reason` tells which case it is
 * ('invalid': a form that is no XEP-0128 extended-info form, claimed or registered).
 */
export class RegistrationError extends DiscoError {
  override name = 'RegistrationError'
  readonly reason: RegistrationErrorReason
  constructor(reason: RegistrationErrorReason, message: string) {
    super(message)
    this.reason = reason
  }
}

/** The conditions of RFC 6120 section 8.3.3; anything else is read as undefined-condition. */
export const STANZA_ERROR_CONDITIONS = [
  'bad-request',
  'conflict',
  'feature-not-implemented',
  'forbidden',
  'gone',
  'internal-server-error',
  'item-not-found',
  'jid-malformed',
  'not-acceptable',
  'not-allowed',
  'not-authorized',
  'policy-violation',
  'recipient-unavailable',
  'redirect',
  'registration-required',
  'remote-server-not-found',
  'remote-server-timeout',
  'resource-constraint',
  'service-unavailable',
  'subscription-required',
  'undefined-condition',
  'unexpected-request',
] as const
export type StanzaErrorCondition = (typeof STANZA_ERROR_CONDITIONS)[number]
export type StanzaErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait'

/** The peer (or its server) answered with an IQ error. */
export class StanzaError extends DiscoError {
  override name = 'StanzaError'
  readonly condition: StanzaErrorCondition
  readonly type: StanzaErrorType | undefined
  readonly text: string | undefined
  /** The `<error/>` element as received, when there was one. */
  readonly element: XmlElement | undefined
  constructor(
    condition: StanzaErrorCondition,
    options: { type?: StanzaErrorType | undefined; text?: string | undefined; element?: XmlElement | undefined } = {},
  ) {
    super(options.text ? `${condition}: ${options.text}` : condition)
    this.condition = condition
    this.type = options.type
    this.text = options.text
    this.element = options.element
  }
}

/** No answer within the caller's timeout (milliseconds). */
export class TimeoutError extends DiscoError {
  override name = 'TimeoutError'
  readonly timeout: number
  constructor(timeout: number) {
    super(`No reply within ${timeout} ms`)
    this.timeout = timeout
  }
}

/**
 * The XMPP session ended (without XEP-0198 resumption) before the reply
 * came, or the request could not be written (`cause`: the transport's error).
 */
export class DisconnectedError extends DiscoError {
  override name = 'DisconnectedError'
  constructor(message = 'The XMPP session ended before the reply arrived', options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** The peer's reply is not a usable disco result; `reason` says what was wrong. */
export class MalformedResponseError extends DiscoError {
  override name = 'MalformedResponseError'
  readonly reason: string
  readonly element: XmlElement | undefined
  constructor(reason: string, element?: XmlElement) {
    super(`Malformed disco reply: ${reason}`)
    this.reason = reason
    this.element = element
  }
}
