// XEP-0115's hash against the XEP's own examples (section 5.2 and 5.3), plus
// the cases implementations got wrong: sorting by UTF-16 units, escaping,
// "undefined" for a missing attribute, and ill-formed results that a
// parser's de-duplication hides.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseInfo } from '../../../src/core/index.js'
import { compareCodePoints } from '../../../src/core/model.js'
import { capsDataFromQuery } from '../../../src/core/caps/capsData.js'
import type { CapsData } from '../../../src/core/caps/capsData.js'
import { capsVer, capsVerificationString, hasCapsSeparator, illFormedReason } from '../../../src/core/caps/ecaps115.js'
import { ecaps2Hash } from '../../../src/core/caps/ecaps390.js'
import { verifyCapsHash } from '../../../src/core/caps/verifyCapsHash.js'
import { query } from '../../helpers/capsPeers.js'

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
