// The entity capabilities hashes against the XEPs' own examples (XEP-0115
// section 5.2 and 5.3, XEP-0390 section 4.5), plus the cases implementations
// got wrong: sorting by UTF-16 units, escaping, "undefined" for a missing
// attribute, and ill-formed results that a parser's de-duplication hides.
import { createHash } from 'node:crypto'
import parseXmlString from '@xmpp/xml/lib/parse.js'
import { describe, expect, it } from 'vitest'
import {
  CapsHashError,
  capsDataFromQuery,
  capsVer,
  capsVerificationString,
  compareCodePoints,
  ecaps2Hash,
  ecaps2HashInput,
  ecaps2HashNode,
  ecaps2Problem,
  hasCapsSeparator,
  illFormedReason,
  isAlgorithmAvailable,
  Node,
  NS_DISCO_INFO,
  parseInfo,
  softwareInfoForm,
  verifyCapsHash,
} from '../../src/core/index.js'
import type { CapsData, XmlElement } from '../../src/core/index.js'

const parseXml = parseXmlString as (s: string) => XmlElement
const query = (body: string, attrs = ''): XmlElement =>
  parseXml(`<query xmlns='http://jabber.org/protocol/disco#info'${attrs}>${body}</query>`)

/** An independent SHA-1 (node:crypto) of a verification string, base64. */
const sha1 = (s: string): string => createHash('sha1').update(s, 'utf8').digest('base64')

// ---- XEP-0115 section 5.2: the simple example ----
const SIMPLE_0115: CapsData = {
  identities: [{ category: 'client', type: 'pc', name: 'Exodus 0.9.1' }],
  features: [
    'http://jabber.org/protocol/disco#info',
    'http://jabber.org/protocol/disco#items',
    'http://jabber.org/protocol/muc',
    'http://jabber.org/protocol/caps',
  ],
  forms: [],
}

// ---- XEP-0115 section 5.3: the complex example (as the XEP's XML) ----
const COMPLEX_0115_XML = `
  <identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>
  <identity xml:lang='el' category='client' name='&#936; 0.11' type='pc'/>
  <feature var='http://jabber.org/protocol/caps'/>
  <feature var='http://jabber.org/protocol/disco#info'/>
  <feature var='http://jabber.org/protocol/disco#items'/>
  <feature var='http://jabber.org/protocol/muc'/>
  <x xmlns='jabber:x:data' type='result'>
    <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
    <field var='ip_version'><value>ipv4</value><value>ipv6</value></field>
    <field var='os'><value>Mac</value></field>
    <field var='os_version'><value>10.5.1</value></field>
    <field var='software'><value>Psi</value></field>
    <field var='software_version'><value>0.11</value></field>
  </x>`

// ---- XEP-0390 section 4.5.1: the simple example (features shuffled by the XEP) ----
const SIMPLE_0390_XML = `
  <identity category="client" name="BombusMod" type="mobile"/>
  <feature var="http://jabber.org/protocol/si"/>
  <feature var="http://jabber.org/protocol/bytestreams"/>
  <feature var="http://jabber.org/protocol/chatstates"/>
  <feature var="http://jabber.org/protocol/disco#info"/>
  <feature var="http://jabber.org/protocol/disco#items"/>
  <feature var="urn:xmpp:ping"/>
  <feature var="jabber:iq:time"/>
  <feature var="jabber:iq:privacy"/>
  <feature var="jabber:iq:version"/>
  <feature var="http://jabber.org/protocol/rosterx"/>
  <feature var="urn:xmpp:time"/>
  <feature var="jabber:x:oob"/>
  <feature var="http://jabber.org/protocol/ibb"/>
  <feature var="http://jabber.org/protocol/si/profile/file-transfer"/>
  <feature var="urn:xmpp:receipts"/>
  <feature var="jabber:iq:roster"/>
  <feature var="jabber:iq:last"/>`

// ---- XEP-0390 section 4.5.2: the complex example ----
const COMPLEX_0390_FEATURES = [
  'games:board',
  'http://jabber.org/protocol/activity',
  'http://jabber.org/protocol/activity+notify',
  'http://jabber.org/protocol/bytestreams',
  'http://jabber.org/protocol/chatstates',
  'http://jabber.org/protocol/commands',
  'http://jabber.org/protocol/disco#info',
  'http://jabber.org/protocol/disco#items',
  'http://jabber.org/protocol/evil',
  'http://jabber.org/protocol/feature-neg',
  'http://jabber.org/protocol/geoloc',
  'http://jabber.org/protocol/geoloc+notify',
  'http://jabber.org/protocol/ibb',
  'http://jabber.org/protocol/iqibb',
  'http://jabber.org/protocol/mood',
  'http://jabber.org/protocol/mood+notify',
  'http://jabber.org/protocol/rosterx',
  'http://jabber.org/protocol/si',
  'http://jabber.org/protocol/si/profile/file-transfer',
  'http://jabber.org/protocol/tune',
  'http://www.facebook.com/xmpp/messages',
  'http://www.xmpp.org/extensions/xep-0084.html#ns-metadata+notify',
  'jabber:iq:avatar',
  'jabber:iq:browse',
  'jabber:iq:dtcp',
  'jabber:iq:filexfer',
  'jabber:iq:ibb',
  'jabber:iq:inband',
  'jabber:iq:jidlink',
  'jabber:iq:last',
  'jabber:iq:oob',
  'jabber:iq:privacy',
  'jabber:iq:roster',
  'jabber:iq:time',
  'jabber:iq:version',
  'jabber:x:data',
  'jabber:x:event',
  'jabber:x:oob',
  'urn:xmpp:avatar:metadata+notify',
  'urn:xmpp:ping',
  'urn:xmpp:receipts',
  'urn:xmpp:time',
]
const COMPLEX_0390_XML = `
  <identity category="client" name="Tkabber" type="pc" xml:lang="en"/>
  <identity category="client" name="Ткаббер" type="pc" xml:lang="ru"/>
  ${COMPLEX_0390_FEATURES.map((f) => `<feature var="${f}"/>`).join('\n')}
  <x xmlns="jabber:x:data" type="result">
    <field type="hidden" var="FORM_TYPE"><value>urn:xmpp:dataforms:softwareinfo</value></field>
    <field var="software"><value>Tkabber</value></field>
    <field var="software_version"><value>0.11.1-svn-20111216-mod (Tcl/Tk 8.6b2)</value></field>
    <field var="os"><value>Windows</value></field>
    <field var="os_version"><value>XP</value></field>
  </x>`

/** The hash input of the XEP-0390 simple example, as the XEP's hexdump spells it. */
const SIMPLE_0390_INPUT =
  [
    'http://jabber.org/protocol/bytestreams',
    'http://jabber.org/protocol/chatstates',
    'http://jabber.org/protocol/disco#info',
    'http://jabber.org/protocol/disco#items',
    'http://jabber.org/protocol/ibb',
    'http://jabber.org/protocol/rosterx',
    'http://jabber.org/protocol/si',
    'http://jabber.org/protocol/si/profile/file-transfer',
    'jabber:iq:last',
    'jabber:iq:privacy',
    'jabber:iq:roster',
    'jabber:iq:time',
    'jabber:iq:version',
    'jabber:x:oob',
    'urn:xmpp:ping',
    'urn:xmpp:receipts',
    'urn:xmpp:time',
  ]
    .map((f) => `${f}\x1f`)
    .join('') +
  '\x1c' +
  'client\x1fmobile\x1f\x1fBombusMod\x1f\x1e\x1c' +
  '\x1c'

const hasSha3 = await isAlgorithmAvailable('sha3-256')

describe('XEP-0115 verification string', () => {
  it("gives the simple example's ver, QgayPKawpkPSDYmwT/WM94uAlu0=", async () => {
    expect(capsVerificationString(SIMPLE_0115)).toBe(
      'client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<' +
        'http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<',
    )
    expect(await capsVer(SIMPLE_0115)).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=')
  })

  it("gives the complex example's ver with a form, q07IKJEyjvHSyhy//CH0CxmKi8w=", async () => {
    const q = query(COMPLEX_0115_XML)
    expect(capsVerificationString(capsDataFromQuery(q))).toBe(
      'client/pc/el/Ψ 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<' +
        'http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<' +
        'http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<' +
        'ip_version<ipv4<ipv6<os<Mac<os_version<10.5.1<software<Psi<software_version<0.11<',
    )
    expect(await capsVer(capsDataFromQuery(q))).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=')
    // The parsed model (what our own nodes hash) gives the same.
    expect(await capsVer(parseInfo(q))).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=')
    expect(await verifyCapsHash(q, { kind: 'caps', algo: 'sha-1', value: 'q07IKJEyjvHSyhy//CH0CxmKi8w=' })).toBe('verified')
  })

  it('does not depend on the order of identities, features, forms, fields or values', async () => {
    const shuffled: CapsData = {
      identities: [...SIMPLE_0115.identities].reverse(),
      features: [...SIMPLE_0115.features].reverse(),
      forms: [],
    }
    expect(await capsVer(shuffled)).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=')
    const data = capsDataFromQuery(query(COMPLEX_0115_XML))
    const form = data.forms[0]
    if (!form) throw new Error('no form')
    const reordered: CapsData = {
      ...data,
      forms: [{ ...form, fields: [...form.fields].reverse().map((f) => ({ ...f, values: [...f.values].reverse() })) }],
    }
    expect(await capsVer(reordered)).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=')
  })

  it('sorts by code point (UTF-8 bytes), not by UTF-16 units, above U+FFFF', async () => {
    const bmp = 'urn:x:\uFFFD' // U+FFFD, UTF-16 0xFFFD, UTF-8 EF BF BD
    const astral = 'urn:x:\u{1F600}' // U+1F600, UTF-16 0xD83D 0xDE00, UTF-8 F0 9F 98 80
    expect([astral, bmp].sort()).toEqual([astral, bmp]) // JavaScript's default: wrong for i;octet
    expect([astral, bmp].sort(compareCodePoints)).toEqual([bmp, astral])
    expect(Buffer.compare(Buffer.from(bmp), Buffer.from(astral))).toBeLessThan(0)
    const data: CapsData = { identities: [{ category: 'client', type: 'pc' }], features: [astral, bmp], forms: [] }
    const s = `client/pc//<${bmp}<${astral}<`
    expect(capsVerificationString(data)).toBe(s)
    expect(await capsVer(data)).toBe(sha1(s))
    // Identities too: by category, type, then xml:lang, each by code point.
    const identities: CapsData = {
      identities: [
        { category: 'client', type: 'pc', lang: 'x-\u{1F600}', name: 'b' },
        { category: 'client', type: 'pc', lang: 'x-\uFFFD', name: 'a' },
      ],
      features: [],
      forms: [],
    }
    expect(capsVerificationString(identities)).toBe('client/pc/x-\uFFFD/a<client/pc/x-\u{1F600}/b<')
  })

  it('sorts identities field by field, not as joined strings', () => {
    // Joined, 'a-b/x' < 'a/x' ('-' is 0x2d, '/' 0x2f); by category, 'a' < 'a-b'.
    const data: CapsData = {
      identities: [
        { category: 'a-b', type: 'x' },
        { category: 'a', type: 'x' },
      ],
      features: [],
      forms: [],
    }
    expect(capsVerificationString(data)).toBe('a/x//<a-b/x//<')
  })

  it('hashes a literal "&lt;" as those four characters, with no escaping of its own', async () => {
    const q = query(`<identity category='client' type='pc' name='a&amp;lt;b &amp; c'/>`)
    const data = capsDataFromQuery(q)
    expect(data.identities[0]?.name).toBe('a&lt;b & c')
    const s = 'client/pc//a&lt;b & c<'
    expect(capsVerificationString(data)).toBe(s)
    expect(await capsVer(data)).toBe(sha1(s))
    expect(hasCapsSeparator(data)).toBe(false)
  })

  it("writes a missing xml:lang or name as '' (never \"undefined\")", async () => {
    const data: CapsData = { identities: [{ category: 'client', type: 'pc' }], features: ['urn:x'], forms: [] }
    expect(capsVerificationString(data)).toBe('client/pc//<urn:x<')
    expect(capsVerificationString(data)).not.toContain('undefined')
    expect(await capsVer(data)).toBe(sha1('client/pc//<urn:x<'))
    expect(capsVerificationString(capsDataFromQuery(query(`<identity category='client' type='pc' name=''/>`)))).toBe(
      'client/pc//<',
    )
  })

  it('leaves out forms without a hidden FORM_TYPE', () => {
    const base = `<identity category='client' type='pc'/>`
    const withForms = query(`${base}
      <x xmlns='jabber:x:data' type='result'><field var='os'><value>Mac</value></field></x>
      <x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>urn:x</value></field><field var='a'><value>b</value></field></x>`)
    expect(capsVerificationString(capsDataFromQuery(withForms))).toBe('client/pc//<')
    expect(illFormedReason(withForms)).toBeUndefined()
  })

  it("finds '<' in any hashed string (ambiguous under XEP-0115's separator)", async () => {
    expect(hasCapsSeparator(capsDataFromQuery(query(`<identity category='client' type='pc' name='a&lt;b'/>`)))).toBe(true)
    expect(hasCapsSeparator({ identities: [{ category: 'client', type: 'pc' }], features: ['urn:a<b'], forms: [] })).toBe(true)
    const form = query(`<identity category='client' type='pc'/>
      <x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:x</value></field>
      <field var='f'><value>x&lt;y</value></field></x>`)
    expect(hasCapsSeparator(capsDataFromQuery(form))).toBe(true)
    // Two different results with one verification string: the forgery '<' makes possible.
    const honest = query(`<identity category='client' type='pc'/><feature var='urn:a'/><feature var='urn:b'/>`)
    const forged = query(`<identity category='client' type='pc'/><feature var='urn:a&lt;urn:b'/>`)
    const ver = await capsVer(capsDataFromQuery(honest))
    expect(await capsVer(capsDataFromQuery(forged))).toBe(ver)
    expect(await verifyCapsHash(honest, { kind: 'caps', algo: 'sha-1', value: ver })).toBe('verified')
    expect(await verifyCapsHash(forged, { kind: 'caps', algo: 'sha-1', value: ver })).toBe('ambiguous')
  })
})

describe('XEP-0115 well-formedness (section 5.4)', () => {
  const ok = `<identity category='client' type='pc'/><feature var='urn:a'/>`
  const form = (type: string, values = [type]) =>
    `<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'>${values
      .map((v) => `<value>${v}</value>`)
      .join('')}</field><field var='f'><value>1</value></field></x>`

  it('accepts a well-formed result', () => {
    expect(illFormedReason(query(ok))).toBeUndefined()
    expect(illFormedReason(query(COMPLEX_0115_XML))).toBeUndefined()
  })

  it.each([
    ['a duplicate identity', `${ok}<identity category='client' type='pc'/>`],
    ['a duplicate identity with lang and name', `<identity category='client' type='pc' xml:lang='en' name='A'/><identity xml:lang='en' category='client' type='pc' name='A'/>`],
    ['a duplicate feature', `${ok}<feature var='urn:a'/>`],
    ['a repeated FORM_TYPE', `${ok}${form('urn:t')}${form('urn:t')}`],
    ['a multi-valued FORM_TYPE', `${ok}${form('urn:t', ['urn:t', 'urn:u'])}`],
    ['an identity without type', `<identity category='client'/>`],
    ['a feature without var', `${ok}<feature/>`],
  ])('rejects %s for hashing and verification', async (_what, body) => {
    const q = query(body)
    expect(illFormedReason(q)).toMatch(/\S/)
    // Even when the advertised hash is the hash of exactly what was sent.
    const data = capsDataFromQuery(q)
    expect(await verifyCapsHash(q, { kind: 'caps', algo: 'sha-1', value: await capsVer(data) })).toBe('ill-formed')
    const ecaps2 = await ecaps2Hash(data, 'sha-256').catch(() => 'unhashable')
    expect(await verifyCapsHash(q, { kind: 'ecaps2', algo: 'sha-256', value: ecaps2 })).toBe('ill-formed')
  })

  it('tells a mismatch and an unsupported algorithm apart', async () => {
    const q = query(ok)
    expect(await verifyCapsHash(q, { kind: 'caps', algo: 'sha-1', value: 'AAAA' })).toBe('mismatch')
    expect(await verifyCapsHash(q, { kind: 'caps', algo: 'md5', value: 'AAAA' })).toBe('unsupported')
    expect(await verifyCapsHash(q, { kind: 'ecaps2', algo: 'sha-1', value: 'AAAA' })).toBe('unsupported')
  })
})

describe('XEP-0390 hash function input', () => {
  it('builds the simple example input byte for byte, and its sha-256 kzBZbkqJ…', async () => {
    const data = capsDataFromQuery(query(SIMPLE_0390_XML), { inheritLang: true })
    const input = ecaps2HashInput(data)
    expect(Buffer.from(input).toString('utf8')).toBe(SIMPLE_0390_INPUT)
    expect(input.length).toBe(0x1d9)
    expect(await ecaps2Hash(data, 'sha-256')).toBe('kzBZbkqJ3ADrj7v08reD1qcWUwNGHaidNUgD7nHpiw8=')
  })

  it('gives the complex example hash with two identities and a form, u79ZroNJ…', async () => {
    const q = query(COMPLEX_0390_XML)
    const data = capsDataFromQuery(q, { inheritLang: true })
    const input = Buffer.from(ecaps2HashInput(data))
    expect(input.length).toBe(0x543)
    // The Features String, as the XEP gives it in base64.
    const features = input.subarray(0, input.indexOf(0x1c) + 1).toString('base64')
    expect(features.startsWith('Z2FtZXM6Ym9hcmQfaHR0cDovL2phYmJlci5vcmcvcHJvdG9jb2wvYWN0aXZpdHkf')).toBe(true)
    expect(features.endsWith('dXJuOnhtcHA6cGluZx91cm46eG1wcDpyZWNlaXB0cx91cm46eG1wcDp0aW1lHxw=')).toBe(true)
    // The Extensions String: FORM_TYPE, then os before software (sorted), 0x1d, 0x1c.
    const extensions = input.subarray(input.indexOf('FORM_TYPE')).toString('utf8')
    expect(extensions).toBe(
      'FORM_TYPE\x1furn:xmpp:dataforms:softwareinfo\x1f\x1eos\x1fWindows\x1f\x1eos_version\x1fXP\x1f\x1e' +
        'software\x1fTkabber\x1f\x1esoftware_version\x1f0.11.1-svn-20111216-mod (Tcl/Tk 8.6b2)\x1f\x1e\x1d\x1c',
    )
    expect(await ecaps2Hash(data, 'sha-256')).toBe('u79ZroNJbdSWhdSp311mddz44oHHPsEBntQ5b1jqBSY=')
    expect(
      await verifyCapsHash(q, { kind: 'ecaps2', algo: 'sha-256', value: 'u79ZroNJbdSWhdSp311mddz44oHHPsEBntQ5b1jqBSY=' }),
    ).toBe('verified')
  })

  it('gives the complex example hash from a node that declares its identities, features and XEP-0232 form', async () => {
    const tkabber = new Node()
    tkabber.registerIdentity('client', 'pc', { names: { en: 'Tkabber', ru: 'Ткаббер' } })
    for (const f of COMPLEX_0390_FEATURES) if (f !== NS_DISCO_INFO) tkabber.registerFeature(f)
    tkabber.claimForm(
      softwareInfoForm({ name: 'Tkabber', version: '0.11.1-svn-20111216-mod (Tcl/Tk 8.6b2)', os: 'Windows', osVersion: 'XP' }),
    )
    expect(await ecaps2Hash(tkabber.toInfo(), 'sha-256')).toBe('u79ZroNJbdSWhdSp311mddz44oHHPsEBntQ5b1jqBSY=')
    // Without the form it is another hash: the form is in it.
    tkabber.unregisterForm('urn:xmpp:dataforms:softwareinfo')
    expect(await ecaps2Hash(tkabber.toInfo(), 'sha-256')).not.toBe('u79ZroNJbdSWhdSp311mddz44oHHPsEBntQ5b1jqBSY=')
  })

  // Node 20's Web Crypto has no SHA-3; browsers and later Nodes may. Both paths assert.
  it('gives the sha3-256 hashes of both examples where Web Crypto has SHA-3, and refuses sha3-256 elsewhere', async () => {
    const simple = () => ecaps2Hash(capsDataFromQuery(query(SIMPLE_0390_XML)), 'sha3-256')
    const complex = () => ecaps2Hash(capsDataFromQuery(query(COMPLEX_0390_XML)), 'sha3-256')
    if (hasSha3) {
      expect(await simple()).toBe('79mdYAfU9rEdTOcWDO7UEAt6E56SUzk/g6TnqUeuD9Q=')
      expect(await complex()).toBe('XpUJzLAc93258sMECZ3FJpebkzuyNXDzRNwQog8eycg=')
    } else {
      await expect(simple()).rejects.toThrow()
      await expect(complex()).rejects.toThrow()
    }
  })

  it('takes an xml:lang inherited from the query or the IQ, not from the stream', () => {
    const iq = parseXml(
      `<iq type='result' xml:lang='de'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='client' type='pc'/></query></iq>`,
    )
    const q = iq.getChild('query') as XmlElement
    expect(capsDataFromQuery(q, { inheritLang: true }).identities[0]?.lang).toBe('de')
    expect(capsDataFromQuery(q).identities[0]?.lang).toBeUndefined()
  })

  it("sorts the separators' strings by bytes (a feature that is a prefix of another comes first)", () => {
    const data: CapsData = { identities: [{ category: 'c', type: 't' }], features: ['ab', 'a'], forms: [] }
    expect(Buffer.from(ecaps2HashInput(data)).toString('utf8').startsWith('a\x1fab\x1f\x1c')).toBe(true)
  })

  it('cannot hash a form without FORM_TYPE, or extra elements', () => {
    const data: CapsData = {
      identities: [{ category: 'c', type: 't' }],
      features: [],
      forms: [{ type: 'result', fields: [{ var: 'os', values: ['x'] }] }],
    }
    expect(() => ecaps2HashInput(data)).toThrow(CapsHashError)
    expect(ecaps2Problem(query(`<identity category='c' type='t'/><foo xmlns='urn:x'/>`))).toMatch(/extra/)
    expect(ecaps2Problem(query(SIMPLE_0390_XML))).toBeUndefined()
  })

  it('names capability hash nodes as section 4.3 says', () => {
    expect(ecaps2HashNode('sha-256', 'u79ZroNJbdSWhdSp311mddz44oHHPsEBntQ5b1jqBSY=')).toBe(
      'urn:xmpp:caps#sha-256.u79ZroNJbdSWhdSp311mddz44oHHPsEBntQ5b1jqBSY=',
    )
  })
})
