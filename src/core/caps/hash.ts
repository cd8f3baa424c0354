/**
 * Entity capabilities hashes, and the checks a peer's disco#info result must
 * pass before its hash is trusted.
 *
 * XEP-0115 section 5.1 (the verification string: i;octet sorts, '<' after
 *   every part, missing xml:lang and name as empty strings), 5.4 (processing:
 *   ill-formed results, forms without a hidden FORM_TYPE are ignored)
 * XEP-0390 section 4.1 (hash function input with the separators 0x1f, 0x1e,
 *   0x1d, 0x1c), 4.3 (capability hash nodes), 6.2.1 (only verified hashes
 *   are cached)
 * XEP-0300 (hash algorithm names), RFC 4790 section 9.3 (i;octet),
 * RFC 4648 section 4 (base64, no whitespace)
 *
 * The strings hashed are the parsed character data, exactly: nothing is
 * escaped here, so a name read from `&lt;` is hashed as the one character
 * '<' and a name that literally reads "&lt;" as those four characters.
 * Digests come from Web Crypto (`crypto.subtle`), present in browsers and
 * Node 20 alike.
 */
import { FORM_TYPE, NS_DATA_FORMS, NS_DISCO_INFO } from '../namespaces.js'
import type { DataForm, DiscoIdentity, DiscoInfo } from '../model.js'
import type { XmlElement } from '../xml.js'

/** What the hashes cover: the identities, features and forms of a disco#info result. */
export type CapsData = Pick<DiscoInfo, 'identities' | 'features' | 'forms'>

/** XEP-0300 names of the hash functions this library can compute. */
export type CapsAlgorithm = 'sha-1' | 'sha-256' | 'sha-512' | 'sha3-256' | 'sha3-512'

/** XEP-0390's namespace for the `<hash/>` elements inside `<c xmlns='urn:xmpp:caps'/>`. */
export const NS_HASHES = 'urn:xmpp:hashes:2'
/** The prefix of a XEP-0390 capability hash node. */
export const ECAPS2_NODE_PREFIX = 'urn:xmpp:caps#'

const WEB_CRYPTO_NAMES: Record<CapsAlgorithm, string> = {
  'sha-1': 'SHA-1',
  'sha-256': 'SHA-256',
  'sha-512': 'SHA-512',
  'sha3-256': 'SHA3-256',
  'sha3-512': 'SHA3-512',
}

/**
 * The algorithms accepted per protocol. XEP-0115's mandatory one is sha-1;
 * XEP-0390 leaves sha-1 out (XEP-0300 section 5), and SHA-3 is used only where
 * Web Crypto has it (Node 20 does not).
 */
const CAPS_ALGORITHMS: readonly CapsAlgorithm[] = ['sha-1', 'sha-256', 'sha-512']
const ECAPS2_ALGORITHMS: readonly CapsAlgorithm[] = ['sha-256', 'sha-512', 'sha3-256', 'sha3-512']

// ---- sorting ----

/**
 * i;octet order of the UTF-8 encodings, which is Unicode code point order.
 * JavaScript's default sort compares UTF-16 units: it puts U+10000 and above
 * (surrogate pairs, 0xD800-0xDFFF) before U+E000-U+FFFF, where UTF-8 does not.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

// Moves the surrogates above U+E000-U+FFFF, as their code points are.
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800
  if (unit >= 0xd800) return unit + 0x2000
  return unit
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return a.length - b.length
}

function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = compareCodePoints(a[i] ?? '', b[i] ?? '')
    if (d !== 0) return d
  }
  return a.length - b.length
}

// ---- forms ----

/** The FORM_TYPE field of a form, if it has exactly one. */
function formTypeField(form: DataForm): DataForm['fields'][number] | undefined {
  const fields = form.fields.filter((f) => f.var === FORM_TYPE)
  return fields.length === 1 ? fields[0] : undefined
}

/**
 * The FORM_TYPE of a form that enters XEP-0115's string: one hidden FORM_TYPE
 * field with one value. Other forms are left out of the hash (XEP-0115 5.4).
 */
function hashedFormType(form: DataForm): string | undefined {
  const field = formTypeField(form)
  if (!field || field.type !== 'hidden' || field.values.length !== 1) return undefined
  return field.values[0]
}

// ---- XEP-0115 ----

function identityParts(identity: DiscoIdentity): [string, string, string, string] {
  return [identity.category, identity.type, identity.lang ?? '', identity.name ?? '']
}

/**
 * XEP-0115's verification string S (section 5.1), before UTF-8 encoding and
 * hashing. Identities sort by category, type, xml:lang (then name), features
 * sort, forms sort by FORM_TYPE with their fields by var and values sorted.
 */
export function capsVerificationString(data: CapsData): string {
  let s = ''
  const identities = data.identities.map(identityParts).sort(compareTuples)
  for (const parts of identities) s += `${parts.join('/')}<`
  for (const feature of [...data.features].sort(compareCodePoints)) s += `${feature}<`
  const forms: [string, DataForm][] = []
  for (const form of data.forms) {
    const formType = hashedFormType(form)
    if (formType !== undefined) forms.push([formType, form])
  }
  forms.sort((a, b) => compareCodePoints(a[0], b[0]))
  for (const [formType, form] of forms) {
    s += `${formType}<`
    const fields = form.fields
      .filter((f) => f.var !== FORM_TYPE)
      .map((f) => [f.var, ...[...f.values].sort(compareCodePoints)])
      // By var; the values only order fields that share a var, so the result is deterministic.
      .sort(compareTuples)
    for (const field of fields) for (const part of field) s += `${part}<`
  }
  return s
}

/** The XEP-0115 `ver` of `data`: base64 of the hash of the UTF-8 verification string. */
export function capsVer(data: CapsData, algorithm: CapsAlgorithm = 'sha-1'): Promise<string> {
  return digestBase64(algorithm, new TextEncoder().encode(capsVerificationString(data)))
}

/**
 * Whether a string XEP-0115 hashes contains '<', its separator: such a result
 * can collide with a different one (XEP-0390 section 1), so it is never
 * shared between JIDs on the strength of a XEP-0115 hash.
 */
export function hasCapsSeparator(data: CapsData): boolean {
  const has = (s: string | undefined): boolean => s !== undefined && s.includes('<')
  if (data.identities.some((i) => has(i.category) || has(i.type) || has(i.lang) || has(i.name))) return true
  if (data.features.some(has)) return true
  for (const form of data.forms) {
    const formType = hashedFormType(form)
    if (formType === undefined) continue
    if (has(formType)) return true
    if (form.fields.some((f) => f.var !== FORM_TYPE && (has(f.var) || f.values.some(has)))) return true
  }
  return false
}

// ---- XEP-0390 ----

/** Bytes backed by a plain ArrayBuffer, as Web Crypto takes them. */
type Bytes = Uint8Array<ArrayBuffer>

const US = 0x1f
const RS = 0x1e
const GS = 0x1d
const FS = 0x1c

/** Thrown when XEP-0390's algorithm aborts (section 4.1): the data has no hash. */
export class CapsHashError extends Error {
  override name = 'CapsHashError'
}

function concat(parts: readonly Bytes[], suffix?: number): Bytes {
  let length = suffix === undefined ? 0 : 1
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  if (suffix !== undefined) out[offset] = suffix
  return out
}

/** Each string as UTF-8 followed by 0x1f, joined in that order. */
function units(encoder: TextEncoder, strings: readonly string[]): Bytes {
  return concat(strings.map((s) => concat([encoder.encode(s)], US)))
}

/** Sorted by i;octet, joined, then `suffix`. */
function sortedJoin(parts: Bytes[], suffix: number): Bytes {
  return concat(parts.sort(compareBytes), suffix)
}

/**
 * XEP-0390's hash function input (section 4.1): the Features String, the
 * Identities String and the Extensions String. Throws a CapsHashError for a
 * form without exactly one hidden FORM_TYPE field with one value.
 */
export function ecaps2HashInput(data: CapsData): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder()
  const features = sortedJoin(
    data.features.map((f) => units(enc, [f])),
    FS,
  )
  const identities = sortedJoin(
    data.identities.map((i) => concat([units(enc, identityParts(i))], RS)),
    FS,
  )
  const forms = data.forms.map((form) => {
    const field = formTypeField(form)
    if (!field || field.type !== 'hidden' || field.values.length !== 1) {
      throw new CapsHashError('a form without one hidden FORM_TYPE field with one value')
    }
    const fields = form.fields.map((f) => {
      const values = sortedJoin(
        f.values.map((v) => units(enc, [v])),
        RS,
      )
      // var, 0x1f, the sorted values, 0x1e (the values' join ends with it).
      return concat([units(enc, [f.var]), values])
    })
    return sortedJoin(fields, GS)
  })
  const extensions = sortedJoin(forms, FS)
  return concat([features, identities, extensions])
}

/** The XEP-0390 hash of `data` (base64). Rejects with a CapsHashError when XEP-0390 cannot hash it. */
export async function ecaps2Hash(data: CapsData, algorithm: CapsAlgorithm = 'sha-256'): Promise<string> {
  return digestBase64(algorithm, ecaps2HashInput(data))
}

/** XEP-0390 section 4.3: `urn:xmpp:caps#` + algorithm + '.' + base64 value. */
export function ecaps2HashNode(algorithm: string, value: string): string {
  return `${ECAPS2_NODE_PREFIX}${algorithm}.${value}`
}

// ---- digests ----

const supported = new Map<CapsAlgorithm, Promise<boolean>>()

/** Whether this runtime's Web Crypto computes `algorithm` (SHA-3 is missing from many). */
export function isAlgorithmAvailable(algorithm: CapsAlgorithm): Promise<boolean> {
  let answer = supported.get(algorithm)
  if (!answer) {
    answer = crypto.subtle.digest(WEB_CRYPTO_NAMES[algorithm], new Uint8Array(0)).then(
      () => true,
      () => false,
    )
    supported.set(algorithm, answer)
  }
  return answer
}

function isCapsAlgorithm(name: string): name is CapsAlgorithm {
  return Object.hasOwn(WEB_CRYPTO_NAMES, name)
}

/** The algorithm, if XEP-0115 verification may use the `hash` attribute `name`. */
export function capsAlgorithm(name: string | undefined): CapsAlgorithm | undefined {
  return name !== undefined && isCapsAlgorithm(name) && CAPS_ALGORITHMS.includes(name) ? name : undefined
}

/** The algorithm, if XEP-0390 verification may use the `algo` `name` (availability aside). */
export function ecaps2Algorithm(name: string | undefined): CapsAlgorithm | undefined {
  return name !== undefined && isCapsAlgorithm(name) && ECAPS2_ALGORITHMS.includes(name) ? name : undefined
}

/** base64 (RFC 4648 section 4, padded, no whitespace) of the `algorithm` digest of `bytes`. */
export async function digestBase64(algorithm: CapsAlgorithm, bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(WEB_CRYPTO_NAMES[algorithm], bytes))
  let binary = ''
  for (const byte of digest) binary += String.fromCharCode(byte)
  return btoa(binary)
}

// ---- a peer's raw result ----

function attr(el: XmlElement, name: string): string | undefined {
  const value = el.attrs[name]
  return typeof value === 'string' ? value : undefined
}

/** xml:lang of `el`, else inherited from the <query/> or the <iq/> around it (not the stream's). */
function inheritedLang(el: XmlElement): string | undefined {
  for (let node: XmlElement | null = el; node; node = node.parent) {
    const lang = attr(node, 'xml:lang')
    if (lang !== undefined) return lang
    if (node.name === 'iq') break
  }
  return undefined
}

function isForm(el: XmlElement): boolean {
  return el.is('x', NS_DATA_FORMS)
}

/**
 * A disco#info `<query/>` read literally for hashing: every identity, feature
 * and form as sent, duplicates kept (parseInfo merges them), a missing
 * attribute as ''. `inheritLang` applies an xml:lang inherited from the query
 * or the IQ (XEP-0390 section 4.1); XEP-0115 uses the identity's own.
 */
export function capsDataFromQuery(query: XmlElement, options: { inheritLang?: boolean } = {}): CapsData {
  const data: CapsData = { identities: [], features: [], forms: [] }
  for (const child of query.getChildElements()) {
    if (child.is('identity', NS_DISCO_INFO)) {
      const identity: DiscoIdentity = { category: attr(child, 'category') ?? '', type: attr(child, 'type') ?? '' }
      const lang = options.inheritLang ? inheritedLang(child) : attr(child, 'xml:lang')
      const name = attr(child, 'name')
      if (lang !== undefined && lang !== '') identity.lang = lang
      if (name !== undefined && name !== '') identity.name = name
      data.identities.push(identity)
    } else if (child.is('feature', NS_DISCO_INFO)) {
      data.features.push(attr(child, 'var') ?? '')
    } else if (isForm(child)) {
      data.forms.push({
        type: attr(child, 'type') ?? 'result',
        fields: child.getChildren('field').map((f) => {
          const field: DataForm['fields'][number] = {
            var: attr(f, 'var') ?? '',
            values: f.getChildren('value').map((v) => v.getText()),
          }
          const type = attr(f, 'type')
          if (type !== undefined) field.type = type
          return field
        }),
      })
    }
  }
  return data
}

/**
 * Why a peer's disco#info `<query/>` is ill-formed for entity capabilities
 * (XEP-0115 section 5.4), or undefined when it is well-formed: an identity
 * without category or type, the same category/type/lang/name twice, a
 * feature without var or twice, a hashed form field without var, two forms
 * with one FORM_TYPE, a FORM_TYPE without exactly one value.
 * Read from the raw XML: parseInfo merges duplicates, which would hide them.
 */
export function illFormedReason(query: XmlElement): string | undefined {
  const data = capsDataFromQuery(query)
  const identities = new Set<string>()
  for (const i of data.identities) {
    if (i.category === '' || i.type === '') return 'an identity without category or type'
    const key = JSON.stringify(identityParts(i))
    if (identities.has(key)) return `identity ${i.category}/${i.type} twice`
    identities.add(key)
  }
  const features = new Set<string>()
  for (const f of data.features) {
    if (f === '') return 'a feature without var'
    if (features.has(f)) return `feature ${f} twice`
    features.add(f)
  }
  const formTypes = new Set<string>()
  for (const form of data.forms) {
    const typeFields = form.fields.filter((f) => f.var === FORM_TYPE)
    if (typeFields.length === 0) continue
    const field = typeFields[0]
    if (typeFields.length > 1 || field === undefined || field.values.length !== 1) {
      return 'a FORM_TYPE without exactly one value'
    }
    if (field.type !== 'hidden') continue
    const formType = field.values[0] ?? ''
    if (formTypes.has(formType)) return `two forms with FORM_TYPE ${formType}`
    formTypes.add(formType)
    if (form.fields.some((f) => f.var === '')) return 'a form field without var'
  }
  return undefined
}

/**
 * Why XEP-0390's algorithm aborts on `query` (section 4.1 steps 1-3), or
 * undefined: a child other than identity, feature or data form; a form with
 * <reported/> or <item/>; a form without one hidden FORM_TYPE with one value.
 */
export function ecaps2Problem(query: XmlElement): string | undefined {
  for (const child of query.getChildElements()) {
    if (child.is('identity', NS_DISCO_INFO) || child.is('feature', NS_DISCO_INFO)) continue
    if (!isForm(child)) return `an extra <${child.name}/> element`
    if (child.getChild('reported') || child.getChild('item')) return 'a form with <reported/> or <item/>'
  }
  for (const form of capsDataFromQuery(query).forms) {
    const field = formTypeField(form)
    if (!field || field.type !== 'hidden' || field.values.length !== 1) return 'a form without a hidden FORM_TYPE'
  }
  return undefined
}

/** How a peer's result fared against an advertised hash. */
export type CapsVerification =
  /** Matches: the result may be shared by every JID advertising the hash. */
  | 'verified'
  /** Hashes to something else. */
  | 'mismatch'
  /** Ill-formed (illFormedReason), or XEP-0390 cannot hash it (ecaps2Problem). */
  | 'ill-formed'
  /** XEP-0115 only: a hashed string contains '<', so another result may hash alike. */
  | 'ambiguous'
  /** An algorithm this runtime does not compute for that protocol. */
  | 'unsupported'

/** A hash as advertised: XEP-0115's `hash` and `ver` ('caps'), or one of XEP-0390's ('ecaps2'). */
export interface AdvertisedHash {
  kind: 'caps' | 'ecaps2'
  algo: string
  value: string
}

/**
 * Checks a peer's raw disco#info `<query/>` against a hash it advertised
 * (XEP-0115 section 5.4, XEP-0390 section 4.4). Only 'verified' allows
 * sharing the result between JIDs.
 */
export async function verifyCapsHash(query: XmlElement, hash: AdvertisedHash): Promise<CapsVerification> {
  const algorithm = hash.kind === 'caps' ? capsAlgorithm(hash.algo) : ecaps2Algorithm(hash.algo)
  if (!algorithm || !(await isAlgorithmAvailable(algorithm))) return 'unsupported'
  if (illFormedReason(query) !== undefined) return 'ill-formed'
  let computed: string
  if (hash.kind === 'caps') {
    const data = capsDataFromQuery(query)
    if (hasCapsSeparator(data)) return 'ambiguous'
    computed = await capsVer(data, algorithm)
  } else {
    if (ecaps2Problem(query) !== undefined) return 'ill-formed'
    computed = await ecaps2Hash(capsDataFromQuery(query, { inheritLang: true }), algorithm)
  }
  return computed === hash.value ? 'verified' : 'mismatch'
}
