/**
 * Namespaces used by the library.
 *
 * XEP-0030 Service Discovery: https://xmpp.org/extensions/xep-0030.html
 * XEP-0004 Data Forms / XEP-0128 Service Discovery Extensions
 * XEP-0232 Software Information
 * XEP-0059 Result Set Management
 * XEP-0115 Entity Capabilities, XEP-0390 Entity Capabilities 2.0 (with XEP-0300's hashes)
 * RFC 6120 section 8.3 (stanza errors)
 */
export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info'
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items'
export const NS_DATA_FORMS = 'jabber:x:data'
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'
export const NS_CAPS = 'http://jabber.org/protocol/caps'
export const NS_CAPS2 = 'urn:xmpp:caps'
/** XEP-0300's namespace, of the `<hash/>` elements inside `<c xmlns='urn:xmpp:caps'/>`. */
export const NS_HASHES = 'urn:xmpp:hashes:2'
/** The hidden field that names an extended-info form (XEP-0128). */
export const FORM_TYPE = 'FORM_TYPE'
/** The FORM_TYPE of XEP-0232's software information form. */
export const NS_SOFTWARE_INFO = 'urn:xmpp:dataforms:softwareinfo'
/** XEP-0059 Result Set Management: the `<set/>` that pages a result. */
export const NS_RSM = 'http://jabber.org/protocol/rsm'
