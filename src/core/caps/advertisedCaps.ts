/**
 * What a peer's presence advertises: the caps a JID maps to.
 *
 * XEP-0115 section 4 (the <c/> element: node, ver, hash; no `hash` is legacy
 *   caps, which only a plain query answers), "Discovering Capabilities" (the
 *   query goes to node#ver)
 * XEP-0390 section 5.4 (the hash set on presence), 4.3 (capability hash nodes)
 * XEP-0115 "Security Considerations" (what a peer sends is bounded)
 */
import { NS_CAPS, NS_CAPS2, NS_HASHES } from '../namespaces.js'
import type { XmlElement } from '../xml.js'
import type { CapsAlgorithm } from './digest.js'
import { capsAlgorithm } from './ecaps115.js'
import { ecaps2Algorithm, ecaps2HashNode } from './ecaps390.js'
import type { Lru } from './Lru.js'

/** One hash of a XEP-0390 hash set, as sent. */
export interface CapsHash {
  algo: string
  value: string
}

/** A hash under which a verified result is shared: its id (also its storage key) and what verifies it. */
export interface ShareKey {
  id: string
  kind: 'caps' | 'ecaps2'
  algorithm: CapsAlgorithm
  value: string
}

/** What a JID's most recent caps say. */
export interface AdvertisedCaps {
  /** The node to query: NODE#VER (XEP-0115), else the hash node (XEP-0390). */
  queryNode: string
  /** The hashes we can verify, XEP-0390's first (unambiguous). Shared by equal caps: never changed. */
  keys: readonly ShareKey[]
  /** XEP-0115 caps without `hash` (and no XEP-0390 hash set): a plain query is the answer. */
  legacy: boolean
  /** Equal for equal caps. */
  signature: string
}

/** Longer strings in a peer's <c/> are not caps anyone hashed: ignored. */
const MAX_CAPS_STRING = 1024
const MAX_HASHES_PER_SET = 8

function shortText(value: string | undefined): value is string {
  return value !== undefined && value !== '' && value.length <= MAX_CAPS_STRING
}

/**
 * Caps already read, by signature, with the XEP-0115 ver they were read
 * with (node#ver alone does not tell "a#b"+"c" from "a"+"b#c"). Bounded by
 * its owner: peers choose what goes in. The oldest read go first.
 */
export type ReadCaps = Lru<string, { caps: AdvertisedCaps; ver: string | undefined }>

/**
 * The caps of a presence, or undefined when it carries none we can use.
 * With `read`, caps equal to some already read share their keys and strings
 * (a roster's thousands of JIDs run a few dozen client versions): less to
 * build and to hold. Each call still returns an object of its own, as
 * CapsResolver tells a JID's own advertisement by identity.
 */
export function advertisedCaps(presence: XmlElement, read?: ReadCaps): AdvertisedCaps | undefined {
  const hashes: CapsHash[] = []
  for (const hash of presence.getChild('c', NS_CAPS2)?.getChildren('hash', NS_HASHES).slice(0, MAX_HASHES_PER_SET) ?? []) {
    const algo = hash.attrs.algo
    const value = hash.getText().trim()
    if (shortText(algo) && shortText(value)) hashes.push({ algo, value })
  }
  const c = presence.getChild('c', NS_CAPS)
  const node = c?.attrs.node
  const ver = c?.attrs.ver
  const hashAttr = c?.attrs.hash
  const hasLegacy = shortText(node) && shortText(ver)
  const first = hashes[0]
  const queryNode = hasLegacy ? `${node}#${ver}` : first ? ecaps2HashNode(first.algo, first.value) : undefined
  if (queryNode === undefined) return undefined
  // Equal for equal caps, distinct otherwise. Without a hash set (XEP-0115
  // alone, the common case) no JSON: a NUL (never the first character of
  // JSON) starts it and ends the hash attribute, which then has none (a
  // character reference could put one there).
  const signature =
    hashes.length === 0 && !hashAttr?.includes('\u0000')
      ? `\u0000${hashAttr === undefined ? '-' : `+${hashAttr}`}\u0000${queryNode}`
      : JSON.stringify([queryNode, hashAttr ?? null, hashes])
  const legacyVer = hasLegacy ? ver : undefined
  // peek, not get: sharing needs no recency (a miss only builds them anew), and a touch per presence costs.
  const known = read?.peek(signature)
  if (known && known.ver === legacyVer) return { ...known.caps }
  const keys: ShareKey[] = []
  for (const { algo, value } of hashes) {
    const algorithm = ecaps2Algorithm(algo)
    if (algorithm) keys.push({ id: `ecaps2 ${algorithm} ${value}`, kind: 'ecaps2', algorithm, value })
  }
  if (legacyVer !== undefined && hashAttr !== undefined && hashAttr.length <= MAX_CAPS_STRING) {
    const algorithm = capsAlgorithm(hashAttr)
    if (algorithm) keys.push({ id: `caps ${algorithm} ${legacyVer}`, kind: 'caps', algorithm, value: legacyVer })
  }
  const legacy = legacyVer !== undefined && hashAttr === undefined && hashes.length === 0
  const caps: AdvertisedCaps = { queryNode, keys, legacy, signature }
  read?.set(signature, { caps, ver: legacyVer })
  return caps
}
