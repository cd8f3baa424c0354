/**
 * What both entity capabilities hashes cover, and a peer's disco#info result
 * read for them literally.
 *
 * XEP-0115 section 5.1 (identities as category/type/lang/name, a missing
 *   xml:lang or name as the empty string) and 5.4 (duplicates make a result
 *   ill-formed, so they must stay visible)
 * XEP-0390 section 4.1 (an identity's xml:lang may be inherited from the
 *   query or the IQ around it, never from the stream; our own identities
 *   take the language our server gives our stanzas)
 * RFC 6120 section 4.7.4 (a server adds the stream's default xml:lang to
 *   the stanzas a client sends without one)
 */
import { optionalAttr, parseForm } from '../model.js'
import type { DiscoIdentity, DiscoInfo } from '../model.js'
import { NS_DATA_FORMS, NS_DISCO_INFO } from '../namespaces.js'
import type { XmlElement } from '../xml.js'

/** What the hashes cover: the identities, features and forms of a disco#info result. */
export type CapsData = Pick<DiscoInfo, 'identities' | 'features' | 'forms'>

/** The strings of an identity both hashes take, in their order: category, type, xml:lang, name. */
export function identityParts(identity: DiscoIdentity): [string, string, string, string] {
  return [identity.category, identity.type, identity.lang ?? '', identity.name ?? '']
}

/**
 * Our data as a peer will read it for XEP-0390 through our server: an
 * identity without xml:lang inherits the `lang` the server puts on our
 * replies (Session.streamLang). Unchanged without one.
 */
export function withImplicitLang(data: CapsData, lang: string | undefined): CapsData {
  if (lang === undefined || data.identities.every((i) => i.lang !== undefined)) return data
  return { ...data, identities: data.identities.map((i) => (i.lang === undefined ? { ...i, lang } : i)) }
}

/** xml:lang of `el`, else inherited from the elements around it up to the <iq/> (not the stream's). */
export function inheritedLang(el: XmlElement): string | undefined {
  for (let node: XmlElement | null = el; node; node = node.parent) {
    const lang = node.attrs['xml:lang']
    if (lang !== undefined) return lang
    if (node.name === 'iq') break
  }
  return undefined
}

/**
 * A disco#info `<query/>` read literally for hashing: every identity, feature
 * and form as sent, duplicates kept (parseInfo merges them), a missing
 * attribute as ''. `inheritLang` applies an xml:lang inherited from the query
 * or the IQ (XEP-0390); XEP-0115 uses the identity's own.
 */
export function capsDataFromQuery(query: XmlElement, options: { inheritLang?: boolean } = {}): CapsData {
  const data: CapsData = { identities: [], features: [], forms: [] }
  for (const child of query.getChildElements()) {
    if (child.is('identity', NS_DISCO_INFO)) {
      const identity: DiscoIdentity = { category: optionalAttr(child, 'category') ?? '', type: optionalAttr(child, 'type') ?? '' }
      const lang = options.inheritLang ? inheritedLang(child) : child.attrs['xml:lang']
      const name = optionalAttr(child, 'name')
      if (lang) identity.lang = lang
      if (name !== undefined) identity.name = name
      data.identities.push(identity)
    } else if (child.is('feature', NS_DISCO_INFO)) {
      data.features.push(optionalAttr(child, 'var') ?? '')
    } else if (child.is('x', NS_DATA_FORMS)) {
      data.forms.push(parseForm(child, true))
    }
  }
  return data
}
