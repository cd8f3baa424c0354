/**
 * App-supplied addresses are checked here before anything is sent.
 *
 * RFC 7622 (XMPP address format): localpart, domainpart and resourcepart each
 * 1..1023 octets; the localpart excludes  " & ' / : < > @  and spaces.
 * @xmpp/jid parses leniently ("a@b@c" is accepted), so the checks it skips
 * are made here, and its normalisation (lower-cased local and domain) is kept,
 * after the Unicode normalisation servers apply (parseJid).
 */
import { JID } from '@xmpp/jid'
import { InvalidJidError } from './errors.js'
import { unwritableReason } from './validate.js'

/** A JID as the app may give it: a string or an `@xmpp/jid` JID. */
export type JidInput = string | { toString(): string }

const utf8 = new TextEncoder()
const LOCAL_FORBIDDEN = /["&'/:<>@\s]/
const DOMAIN_FORBIDDEN = /[\s@/"&'<>\\]/
// RFC 8264 section 8: default-ignorable code points (zero-width space, soft hyphen, variation
// selectors; the joiners aside) and private use are disallowed in every part. Stringprep servers
// map the former to nothing and would answer from another JID than the one asked.
const DISALLOWED = /(?![\u200c\u200d])[\p{DI}\p{Co}]/u

function checkPart(input: unknown, part: string, what: string, max = 1023): void {
  if (part.length === 0) throw new InvalidJidError(input, `empty ${what}`)
  if (utf8.encode(part).length > max) throw new InvalidJidError(input, `${what} longer than ${max} octets`)
  // What XML cannot carry (a control character, a lone surrogate) would reach the peer changed, or not at all.
  const unwritable = unwritableReason(part)
  if (unwritable) throw new InvalidJidError(input, `${what} ${unwritable}`)
  if (DISALLOWED.test(part)) throw new InvalidJidError(input, `forbidden character in the ${what}`)
}

/** What toJid returns: an @xmpp/jid JID, described structurally so no @types package is needed. */
export interface ParsedJid {
  local: string
  domain: string
  resource: string
  bare(): ParsedJid
  toString(): string
}

/**
 * An @xmpp/jid JID, or another copy of that class (an app may bundle its own):
 * recognised by shape. Anything else that merely has a toString (an array, a
 * URL, a plain object) is refused rather than stringified and sent.
 */
function isJidObject(input: unknown): input is JidInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false
  const candidate = input as { bare?: unknown; domain?: unknown; toString?: unknown }
  return typeof candidate.bare === 'function' && typeof candidate.domain === 'string' && candidate.toString !== Object.prototype.toString
}

/** A JID object as its string (which validates and normalises alike), anything else as it is: a value to compare. */
export function jidValue<T>(input: T): T | string {
  return isJidObject(input) ? String(input) : input
}

/** Parses and validates; throws InvalidJidError. */
export function toJid(input: JidInput): ParsedJid {
  return parseJid(input)
}

function parseJid(input: JidInput): JID {
  // An @xmpp/jid JID is checked too: xmpp.js builds what it is given ("a@b@c" included).
  if (typeof input !== 'string' && !isJidObject(input)) {
    throw new InvalidJidError(input, 'neither a string nor a JID')
  }
  const s = String(input)
  const slash = s.indexOf('/')
  // The forms servers route by, so that a reply's `from` is the JID asked: NFKC for the localpart and
  // the domain (width mapping and NFC, RFC 7622 sections 3.2.2 and 3.3.2; stringprep's NFKC), NFC for
  // the resource (RFC 7622 section 3.4.2). Checked as mapped: a fullwidth '＠' is an '@'.
  const bareString = (slash === -1 ? s : s.slice(0, slash)).normalize('NFKC')
  const resource = slash === -1 ? undefined : s.slice(slash + 1).normalize('NFC')
  const at = bareString.indexOf('@')
  const local = at === -1 ? undefined : bareString.slice(0, at)
  const domain = at === -1 ? bareString : bareString.slice(at + 1)

  checkPart(input, domain, 'domain')
  if (DOMAIN_FORBIDDEN.test(domain)) throw new InvalidJidError(input, 'forbidden character in the domain')
  if (domain.startsWith('.') || domain.endsWith('..') || domain.includes('..')) {
    throw new InvalidJidError(input, 'empty label in the domain')
  }
  if (local !== undefined) {
    checkPart(input, local, 'localpart')
    if (LOCAL_FORBIDDEN.test(local)) throw new InvalidJidError(input, 'forbidden character in the localpart')
  }
  if (resource !== undefined) checkPart(input, resource, 'resourcepart')
  // A trailing dot names the same domain (RFC 7622 section 3.2).
  const canonicalDomain = domain.endsWith('.') ? domain.slice(0, -1) : domain
  return new JID(local ?? null, canonicalDomain, resource ?? null)
}

/**
 * Addresses that are their own canonical form: an optional localpart of
 * lower-case letters, digits, '.', '_' and '-' (nothing to escape or lower),
 * a lower-case domain of non-empty labels without a trailing dot, an optional
 * printable-ASCII resource. What most peers send and most apps ask for;
 * recognised without building an @xmpp/jid JID (whose constructor runs ten
 * replaceAll passes over the localpart). Under 1024 characters in all, so no
 * part can exceed 1023 octets.
 */
const CANONICAL = /^(?:[a-z0-9._-]+@)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?:\/[ -~]+)?$/

/** The canonical string form of a JID, validated. */
export function normalizeJid(input: JidInput): string {
  if (typeof input !== 'string') return toJid(input).toString()
  if (input.length < 1024 && CANONICAL.test(input)) return input
  let normalized = recent.get(input)
  if (normalized === undefined) {
    normalized = toJid(input).toString()
    // Parsing builds an @xmpp/jid object: remember recent answers (every
    // query key and every item of a reply goes through here).
    if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value as string)
    recent.set(input, normalized)
  }
  return normalized
}

const RECENT_MAX = 1000
const recent = new Map<string, string>()

/** The same check for a peer's JID: undefined instead of an exception. */
export function tryNormalizeJid(input: string): string | undefined {
  try {
    return normalizeJid(input)
  } catch {
    return undefined
  }
}
