// XEP-0390's hash against the XEP's own examples (section 4.5), byte for
// byte, and what its algorithm cannot hash.
import { describe, expect, it } from 'vitest'
import { Node, NS_DISCO_INFO, softwareInfoForm } from '../../../src/core/index.js'
import type { XmlElement } from '../../../src/core/index.js'
import { capsDataFromQuery } from '../../../src/core/caps/capsData.js'
import type { CapsData } from '../../../src/core/caps/capsData.js'
import { isAlgorithmAvailable } from '../../../src/core/caps/digest.js'
import { CapsHashError, ecaps2Hash, ecaps2HashInput, ecaps2HashNode, ecaps2Problem } from '../../../src/core/caps/ecaps390.js'
import { verifyCapsHash } from '../../../src/core/caps/verifyCapsHash.js'
import { parseXml, query } from '../../helpers/capsPeers.js'

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

  it('verifies a reply whose server gave it a language both against a hash with that language and one without, and nothing else', async () => {
    const iq = parseXml(
      `<iq type='result' xml:lang='en'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='client' type='pc' name='Chat'/><identity category='client' type='pc' name='Plaudern' xml:lang='de'/><feature var='urn:example:a'/></query></iq>`,
    )
    const q = iq.getChild('query') as XmlElement
    const strict = await ecaps2Hash(capsDataFromQuery(q, { inheritLang: true }), 'sha-256')
    const literal = await ecaps2Hash(capsDataFromQuery(q), 'sha-256')
    expect(strict).not.toBe(literal)
    expect(await verifyCapsHash(q, { kind: 'ecaps2', algo: 'sha-256', value: strict })).toBe('verified')
    // A sender that hashed without the language its server added (this library did).
    expect(await verifyCapsHash(q, { kind: 'ecaps2', algo: 'sha-256', value: literal })).toBe('verified')
    const other = await ecaps2Hash({ ...capsDataFromQuery(q), features: ['urn:example:b'] }, 'sha-256')
    expect(await verifyCapsHash(q, { kind: 'ecaps2', algo: 'sha-256', value: other })).toBe('mismatch')
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
