/**
 * Verifying a peer's disco#info result against the hash it advertised: only
 * a verified result may be shared between the JIDs advertising that hash.
 *
 * XEP-0115 section 5.4 (processing method: ill-formed results, legacy and
 *   unknown hashes), XEP-0390 section 4.4 (verification) and 6.2.1 (only a
 *   verified hash is cached)
 */
import type { XmlElement } from '../xml.js'
import { capsDataFromQuery, inheritedLang } from './capsData.js'
import { isAlgorithmAvailable } from './digest.js'
import { capsAlgorithm, capsVer, hasCapsSeparator, illFormedReason } from './ecaps115.js'
import { ecaps2Algorithm, ecaps2Hash, ecaps2Problem } from './ecaps390.js'

/** How a peer's result fared against an advertised hash. */
export type CapsVerification =
  /** Matches: the result may be shared by every JID advertising the hash. */
  | 'verified'
  /** Hashes to something else. */
  | 'mismatch'
  /** Ill-formed (XEP-0115 section 5.4), or XEP-0390 cannot hash it. */
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
 * Checks a peer's raw disco#info `<query/>` against a hash it advertised.
 * Only 'verified' allows sharing the result between JIDs.
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
    // A sender that hashed its identities without the language its server
    // added to its reply (most do: this library did until it read its
    // server's stream header; XEP-0390 section 4.1 is easy to miss) hashed
    // the very same data: accept that reading too.
    if (computed !== hash.value && inheritedLang(query) !== undefined) {
      computed = await ecaps2Hash(capsDataFromQuery(query), algorithm)
    }
  }
  return computed === hash.value ? 'verified' : 'mismatch'
}
