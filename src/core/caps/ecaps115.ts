/**
 * XEP-0115's hash: the verification string of our info or of a peer's
 * result, and the checks a peer's result must pass before its ver is trusted.
 *
 * XEP-0115 section 5.1 (the verification string: i;octet sorts, '<' after
 *   every part, a missing xml:lang or name as the empty string), 5.4
 *   (processing: ill-formed results; forms without a hidden FORM_TYPE are
 *   left out), section 1.2 of XEP-0390 ('<' in a hashed string makes the
 *   ver ambiguous)
 * RFC 4790 section 9.3 (i;octet)
 *
 * The strings hashed are the parsed character data, exactly: nothing is
 * escaped here, so a name read from `&lt;` is hashed as the one character
 * '<' and a name that literally reads "&lt;" as those four characters.
 */
import { compareCodePoints, hiddenFormType } from '../model.js'
import type { DataForm } from '../model.js'
import { FORM_TYPE } from '../namespaces.js'
import type { XmlElement } from '../xml.js'
import { capsDataFromQuery, identityParts } from './capsData.js'
import type { CapsData } from './capsData.js'
import { algorithmIn, digestBase64 } from './digest.js'
import type { CapsAlgorithm } from './digest.js'

/** XEP-0115's mandatory algorithm is sha-1; stronger ones are accepted too. */
const CAPS_ALGORITHMS: readonly CapsAlgorithm[] = ['sha-1', 'sha-256', 'sha-512']

/** The algorithm, if XEP-0115 verification may use the `hash` attribute `name`. */
export function capsAlgorithm(name: string | undefined): CapsAlgorithm | undefined {
  return algorithmIn(name, CAPS_ALGORITHMS)
}

function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = compareCodePoints(a[i] ?? '', b[i] ?? '')
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** The forms XEP-0115 hashes (a hidden FORM_TYPE of one value), with their FORM_TYPE. */
function hashedForms(data: CapsData): [string, DataForm][] {
  const forms: [string, DataForm][] = []
  for (const form of data.forms) {
    const formType = hiddenFormType(form)
    if (formType !== undefined) forms.push([formType, form])
  }
  return forms
}

/**
 * The verification string S (section 5.1), before UTF-8 encoding and
 * hashing. Identities sort by category, type, xml:lang (then name), features
 * sort, forms sort by FORM_TYPE with their fields by var and values sorted.
 */
export function capsVerificationString(data: CapsData): string {
  let s = ''
  for (const parts of data.identities.map(identityParts).sort(compareTuples)) s += `${parts.join('/')}<`
  for (const feature of [...data.features].sort(compareCodePoints)) s += `${feature}<`
  for (const [formType, form] of hashedForms(data).sort((a, b) => compareCodePoints(a[0], b[0]))) {
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
 * can collide with a different one, so it is never shared between JIDs on
 * the strength of a XEP-0115 hash.
 */
export function hasCapsSeparator(data: CapsData): boolean {
  const has = (s: string | undefined): boolean => s !== undefined && s.includes('<')
  if (data.identities.some((i) => identityParts(i).some(has))) return true
  if (data.features.some(has)) return true
  return hashedForms(data).some(
    ([formType, form]) => has(formType) || form.fields.some((f) => f.var !== FORM_TYPE && (has(f.var) || f.values.some(has))),
  )
}

/**
 * Why a peer's disco#info `<query/>` is ill-formed for entity capabilities
 * (section 5.4), or undefined when it is well-formed: an identity without
 * category or type, the same category/type/lang/name twice, a feature
 * without var or twice, a hashed form field without var, two forms with one
 * FORM_TYPE, a FORM_TYPE without exactly one value.
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
    if (typeFields.length > 1 || typeFields[0]?.values.length !== 1) return 'a FORM_TYPE without exactly one value'
    const formType = hiddenFormType(form)
    if (formType === undefined) continue
    if (formTypes.has(formType)) return `two forms with FORM_TYPE ${formType}`
    formTypes.add(formType)
    if (form.fields.some((f) => f.var === '')) return 'a form field without var'
  }
  return undefined
}
