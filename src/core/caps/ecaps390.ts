/**
 * XEP-0390's hash: the hash function input of our info or of a peer's result,
 * and the capability hash nodes.
 *
 * XEP-0390 section 4.1 (hash function input: the features, identities and
 *   extensions strings with the separators 0x1f, 0x1e, 0x1d, 0x1c, each
 *   sorted by bytes; the algorithm aborts on what it cannot hash), 4.3
 *   (capability hash nodes)
 * XEP-0300 section 5 (sha-1 is not for new protocols; SHA-3 only where Web
 *   Crypto has it)
 */
import { hiddenFormType } from '../model.js'
import { NS_DATA_FORMS, NS_DISCO_INFO } from '../namespaces.js'
import type { XmlElement } from '../xml.js'
import { capsDataFromQuery, identityParts } from './capsData.js'
import type { CapsData } from './capsData.js'
import { algorithmIn, digestBase64 } from './digest.js'
import type { CapsAlgorithm } from './digest.js'

const ECAPS2_ALGORITHMS: readonly CapsAlgorithm[] = ['sha-256', 'sha-512', 'sha3-256', 'sha3-512']

/** The algorithm, if XEP-0390 verification may use the `algo` `name` (availability aside). */
export function ecaps2Algorithm(name: string | undefined): CapsAlgorithm | undefined {
  return algorithmIn(name, ECAPS2_ALGORITHMS)
}

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

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return a.length - b.length
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
 * The hash function input (section 4.1): the Features String, the Identities
 * String and the Extensions String. Throws a CapsHashError for a form
 * without a hidden FORM_TYPE field with one value.
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
    if (hiddenFormType(form) === undefined) throw new CapsHashError('a form without one hidden FORM_TYPE field with one value')
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
  return concat([features, identities, sortedJoin(forms, FS)])
}

/** The XEP-0390 hash of `data` (base64). Rejects with a CapsHashError when XEP-0390 cannot hash it. */
export async function ecaps2Hash(data: CapsData, algorithm: CapsAlgorithm = 'sha-256'): Promise<string> {
  return digestBase64(algorithm, ecaps2HashInput(data))
}

/** Section 4.3: `urn:xmpp:caps#` + algorithm + '.' + base64 value. */
export function ecaps2HashNode(algorithm: string, value: string): string {
  return `urn:xmpp:caps#${algorithm}.${value}`
}

/**
 * Why the algorithm aborts on `query` (section 4.1 steps 1-3), or undefined:
 * a child other than identity, feature or data form; a form with
 * <reported/> or <item/>; a form without a hidden FORM_TYPE with one value.
 */
export function ecaps2Problem(query: XmlElement): string | undefined {
  for (const child of query.getChildElements()) {
    if (child.is('identity', NS_DISCO_INFO) || child.is('feature', NS_DISCO_INFO)) continue
    if (!child.is('x', NS_DATA_FORMS)) return `an extra <${child.name}/> element`
    if (child.getChild('reported') || child.getChild('item')) return 'a form with <reported/> or <item/>'
  }
  if (capsDataFromQuery(query).forms.some((form) => hiddenFormType(form) === undefined)) return 'a form without a hidden FORM_TYPE'
  return undefined
}
