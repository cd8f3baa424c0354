import xml from '@xmpp/xml'
import parseXmlString from '@xmpp/xml/lib/parse.js'
import { describe, expect, it } from 'vitest'
import { DiscoError, MalformedResponseError } from '../../src/core/errors.js'
import {
  getFormType,
  infoToXml,
  itemsToXml,
  parseInfo,
  parseItems,
  toCapsDict,
} from '../../src/core/model.js'
import type { DataForm, DiscoInfo, DiscoItems } from '../../src/core/model.js'
import { FORM_TYPE, NS_DATA_FORMS, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/namespaces.js'
import type { XmlElement } from '../../src/core/xml.js'

const parseXml = parseXmlString as (s: string) => XmlElement

function infoQuery(body: string, attrs = ''): XmlElement {
  return parseXml(`<query xmlns='${NS_DISCO_INFO}'${attrs}>${body}</query>`)
}

function itemsQuery(body: string, attrs = ''): XmlElement {
  return parseXml(`<query xmlns='${NS_DISCO_ITEMS}'${attrs}>${body}</query>`)
}

const BOT = `<identity category='client' type='bot'/>`

function expectMalformed(fn: () => unknown): MalformedResponseError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(MalformedResponseError)
  expect(caught).toBeInstanceOf(DiscoError)
  const err = caught as MalformedResponseError
  expect(err.reason).toMatch(/\S/)
  return err
}

describe('parseInfo', () => {
  it('rejects two names for one language told apart only by the case of its tag', () => {
    const err = expectMalformed(() =>
      parseInfo(
        infoQuery(`<identity category='client' type='pc' xml:lang='en' name='Chat'/>
                   <identity category='client' type='pc' xml:lang='EN' name='Talk'/>`),
      ),
    )
    expect(err.reason).toContain('two names')
  })

  it('keeps one identity when the same name comes for en and EN', () => {
    const info = parseInfo(
      infoQuery(`<identity category='client' type='pc' xml:lang='en' name='Chat'/>
                 <identity category='client' type='pc' xml:lang='EN' name='Chat'/>`),
    )
    expect(info.identities).toStrictEqual([{ category: 'client', type: 'pc', name: 'Chat', lang: 'en' }])
  })

  it('reads identities, features and the node of a <query/>', () => {
    const info = parseInfo(
      infoQuery(
        `<identity category='client' type='pc' name='Gajim'/>
         <feature var='${NS_DISCO_INFO}'/>
         <feature var='urn:xmpp:ping'/>`,
        ` node='http://gajim.org#abc'`,
      ),
    )
    expect(info).toStrictEqual({
      node: 'http://gajim.org#abc',
      identities: [{ category: 'client', type: 'pc', name: 'Gajim' }],
      features: [NS_DISCO_INFO, 'urn:xmpp:ping'],
      forms: [],
    })
  })

  it('accepts the <iq/> around the query', () => {
    const iq = parseXml(
      `<iq type='result' id='1' from='example.org'><query xmlns='${NS_DISCO_INFO}' node='n'>${BOT}<feature var='urn:a'/></query></iq>`,
    )
    expect(parseInfo(iq)).toStrictEqual({
      node: 'n',
      identities: [{ category: 'client', type: 'bot' }],
      features: ['urn:a'],
      forms: [],
    })
  })

  it('leaves node, name and lang out of the result when they are absent or empty', () => {
    const info = parseInfo(infoQuery(`<identity category='server' type='im' name=''/>`, ` node=''`))
    expect(info).toStrictEqual({ identities: [{ category: 'server', type: 'im' }], features: [], forms: [] })
    expect('node' in info).toBe(false)
    expect(Object.keys(info.identities[0] ?? {})).toEqual(['category', 'type'])
  })

  it('keeps xml:lang on identities and one identity per language', () => {
    const info = parseInfo(
      infoQuery(
        `<identity category='client' type='pc' name='Client'/>
         <identity category='client' type='pc' name='Klient' xml:lang='de'/>
         <identity category='client' type='pc' name='Client' xml:lang='en'/>`,
      ),
    )
    expect(info.identities).toStrictEqual([
      { category: 'client', type: 'pc', name: 'Client' },
      { category: 'client', type: 'pc', name: 'Klient', lang: 'de' },
      { category: 'client', type: 'pc', name: 'Client', lang: 'en' },
    ])
  })

  it('keeps an xml:lang without a name', () => {
    const info = parseInfo(infoQuery(`<identity category='client' type='pc' xml:lang='fr'/>`))
    expect(info.identities).toStrictEqual([{ category: 'client', type: 'pc', lang: 'fr' }])
  })

  it('drops identities without a category or a type, keeping the valid ones', () => {
    const info = parseInfo(
      infoQuery(
        `<identity type='pc'/>
         <identity category='client'/>
         <identity category='' type='pc'/>
         <identity category='client' type=''/>
         <identity category='gateway' type='irc' name='IRC'/>`,
      ),
    )
    expect(info.identities).toStrictEqual([{ category: 'gateway', type: 'irc', name: 'IRC' }])
  })

  it('drops features without a var', () => {
    const info = parseInfo(infoQuery(`${BOT}<feature/><feature var=''/><feature var='urn:b'/>`))
    expect(info.features).toEqual(['urn:b'])
  })

  it('merges exact duplicate identities and features, keeping the first position', () => {
    const info = parseInfo(
      infoQuery(
        `<identity category='client' type='pc' name='A'/>
         <feature var='urn:a'/>
         <identity category='client' type='bot'/>
         <feature var='urn:b'/>
         <identity category='client' type='pc' name='A'/>
         <feature var='urn:a'/>
         <identity category='client' type='bot'/>`,
      ),
    )
    expect(info.identities).toStrictEqual([
      { category: 'client', type: 'pc', name: 'A' },
      { category: 'client', type: 'bot' },
    ])
    expect(info.features).toEqual(['urn:a', 'urn:b'])
  })

  it('rejects two different names for one category/type without xml:lang', () => {
    const err = expectMalformed(() =>
      parseInfo(infoQuery(`<identity category='client' type='pc' name='A'/><identity category='client' type='pc' name='B'/>`)),
    )
    expect(err.reason).toContain('client/pc')
  })

  it('rejects two different names for one category/type/xml:lang', () => {
    const err = expectMalformed(() =>
      parseInfo(
        infoQuery(
          `<identity category='client' type='pc' name='A' xml:lang='en'/><identity category='client' type='pc' name='B' xml:lang='en'/>`,
        ),
      ),
    )
    expect(err.reason).toContain('en')
  })

  it('rejects a named and an unnamed identity for one category/type/xml:lang', () => {
    expectMalformed(() =>
      parseInfo(infoQuery(`<identity category='client' type='pc' name='A'/><identity category='client' type='pc'/>`)),
    )
  })

  it('rejects a result with no identity at all', () => {
    const err = expectMalformed(() => parseInfo(infoQuery(`<feature var='urn:a'/>`)))
    expect(err.reason).toBe('no valid identity')
  })

  it('rejects a result whose identities are all invalid', () => {
    expectMalformed(() => parseInfo(infoQuery(`<identity category='client'/><identity type='pc'/>`)))
  })

  it('rejects a disco#items query, another element or an <iq/> without the query', () => {
    expectMalformed(() => parseInfo(itemsQuery(`<item jid='a.example.org'/>`)))
    expectMalformed(() => parseInfo(parseXml(`<message><query xmlns='${NS_DISCO_INFO}'>${BOT}</query></message>`)))
    expectMalformed(() => parseInfo(parseXml(`<iq type='result' id='1'/>`)))
    expectMalformed(() =>
      parseInfo(parseXml(`<iq type='result' id='1'><query xmlns='${NS_DISCO_ITEMS}'/></iq>`)),
    )
    expectMalformed(() => parseInfo(parseXml(`<query xmlns='urn:other'>${BOT}</query>`)))
  })

  it('puts the offending element on the error', () => {
    const el = parseXml(`<iq type='result' id='1'/>`)
    const err = expectMalformed(() => parseInfo(el))
    expect(err.element).toBe(el)
  })

  it('ignores children of other namespaces and unknown children', () => {
    const info = parseInfo(
      infoQuery(
        `${BOT}
         <identity xmlns='urn:other' category='x' type='y'/>
         <feature xmlns='urn:other' var='urn:spoof'/>
         <x xmlns='urn:other'><field var='a'/></x>
         <error type='cancel'/>
         <item jid='a.example.org'/>`,
      ),
    )
    expect(info).toStrictEqual({ identities: [{ category: 'client', type: 'bot' }], features: [], forms: [] })
  })

  it('parses XEP-0128 data forms, FORM_TYPE included', () => {
    const info = parseInfo(
      infoQuery(
        `${BOT}
         <x xmlns='${NS_DATA_FORMS}' type='result'>
           <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
           <field var='software' label='Software'><value>Psi</value></field>
           <field var='os'><value>Mac</value></field>
           <field var='ip_version' type='text-multi'><value>ipv4</value><value>ipv6</value></field>
           <field var='empty'/>
           <field type='fixed'><value>no var: dropped</value></field>
           <field var=''><value>empty var: dropped</value></field>
         </x>`,
      ),
    )
    expect(info.forms).toStrictEqual([
      {
        type: 'result',
        fields: [
          { var: 'FORM_TYPE', type: 'hidden', values: ['urn:xmpp:dataforms:softwareinfo'] },
          { var: 'software', label: 'Software', values: ['Psi'] },
          { var: 'os', values: ['Mac'] },
          { var: 'ip_version', type: 'text-multi', values: ['ipv4', 'ipv6'] },
          { var: 'empty', values: [] },
        ],
      },
    ])
    expect(getFormType(info.forms[0] as DataForm)).toBe('urn:xmpp:dataforms:softwareinfo')
  })

  it('keeps several forms in document order', () => {
    const info = parseInfo(
      infoQuery(
        `${BOT}
         <x xmlns='${NS_DATA_FORMS}' type='result'><field var='FORM_TYPE'><value>urn:a</value></field></x>
         <x xmlns='${NS_DATA_FORMS}' type='result'><field var='FORM_TYPE'><value>urn:b</value></field></x>`,
      ),
    )
    expect(info.forms.map(getFormType)).toEqual(['urn:a', 'urn:b'])
  })
})

describe('getFormType', () => {
  it('returns the single FORM_TYPE value', () => {
    expect(getFormType({ type: 'result', fields: [{ var: 'x', values: ['1'] }, { var: FORM_TYPE, values: ['urn:t'] }] })).toBe(
      'urn:t',
    )
  })

  it('returns undefined without a FORM_TYPE field', () => {
    expect(getFormType({ type: 'result', fields: [{ var: 'x', values: ['urn:t'] }] })).toBeUndefined()
  })

  it('returns undefined for a FORM_TYPE with no value or several values', () => {
    expect(getFormType({ type: 'result', fields: [{ var: FORM_TYPE, values: [] }] })).toBeUndefined()
    expect(getFormType({ type: 'result', fields: [{ var: FORM_TYPE, values: ['urn:a', 'urn:b'] }] })).toBeUndefined()
  })
})

describe('parseItems', () => {
  it('reads items with jid, node and name, and the query node', () => {
    const items = parseItems(
      itemsQuery(
        `<item jid='pubsub.example.org' node='news' name='News'/>
         <item jid='conference.example.org' name='Rooms'/>
         <item jid='bob@example.org/phone'/>`,
        ` node='root'`,
      ),
    )
    expect(items).toStrictEqual({
      node: 'root',
      items: [
        { jid: 'pubsub.example.org', node: 'news', name: 'News' },
        { jid: 'conference.example.org', name: 'Rooms' },
        { jid: 'bob@example.org/phone' },
      ],
    })
  })

  it('accepts the <iq/> around the query', () => {
    const iq = parseXml(`<iq type='result' id='7'><query xmlns='${NS_DISCO_ITEMS}'><item jid='a.example.org'/></query></iq>`)
    expect(parseItems(iq)).toStrictEqual({ items: [{ jid: 'a.example.org' }] })
  })

  it('reads an empty query as no items', () => {
    expect(parseItems(itemsQuery(''))).toStrictEqual({ items: [] })
  })

  it('drops items with a missing or invalid jid', () => {
    const items = parseItems(
      itemsQuery(
        `<item name='no jid'/>
         <item jid=''/>
         <item jid='a@b@c'/>
         <item jid='@example.org'/>
         <item jid='has space@example.org'/>
         <item jid='example.org/'/>
         <item jid='ok.example.org' name='kept'/>`,
      ),
    )
    expect(items.items).toStrictEqual([{ jid: 'ok.example.org', name: 'kept' }])
  })

  it('normalises item JIDs (lower-cased localpart and domain, resource kept)', () => {
    const items = parseItems(itemsQuery(`<item jid='Bob@Example.ORG/Phone'/><item jid='PubSub.Example.org'/>`))
    expect(items.items).toStrictEqual([{ jid: 'bob@example.org/Phone' }, { jid: 'pubsub.example.org' }])
  })

  it('drops an empty item node but keeps the item', () => {
    const items = parseItems(itemsQuery(`<item jid='a.example.org' node='' name=''/>`))
    expect(items.items).toStrictEqual([{ jid: 'a.example.org' }])
  })

  it('merges duplicate items, also when they differ only in JID case', () => {
    const items = parseItems(
      itemsQuery(
        `<item jid='a.example.org' node='n'/>
         <item jid='a.example.org'/>
         <item jid='A.Example.org' node='n'/>
         <item jid='a.example.org' node='m'/>
         <item jid='a.example.org'/>`,
      ),
    )
    expect(items.items).toStrictEqual([
      { jid: 'a.example.org', node: 'n' },
      { jid: 'a.example.org' },
      { jid: 'a.example.org', node: 'm' },
    ])
  })

  it('ignores items of another namespace', () => {
    const items = parseItems(itemsQuery(`<item xmlns='urn:other' jid='spoof.example.org'/><item jid='a.example.org'/>`))
    expect(items.items).toStrictEqual([{ jid: 'a.example.org' }])
  })

  it('rejects a disco#info query, another element or an <iq/> without the query', () => {
    expectMalformed(() => parseItems(infoQuery(BOT)))
    expectMalformed(() => parseItems(parseXml(`<iq type='result' id='1'/>`)))
    expectMalformed(() => parseItems(parseXml(`<presence/>`)))
  })
})

describe('infoToXml', () => {
  it('builds a disco#info <query/> with node, identities, features and forms', () => {
    const el = infoToXml({
      node: 'n',
      identities: [{ category: 'client', type: 'pc', name: 'Psi', lang: 'en' }],
      features: ['urn:a'],
      forms: [{ type: 'result', fields: [{ var: FORM_TYPE, type: 'hidden', values: ['urn:t'] }] }],
    })
    expect(el.is('query', NS_DISCO_INFO)).toBe(true)
    expect(el.attrs.node).toBe('n')
    const identity = el.getChild('identity')
    expect(identity?.attrs).toMatchObject({ category: 'client', type: 'pc', name: 'Psi', 'xml:lang': 'en' })
    expect(el.getChildren('feature').map((f) => f.attrs.var)).toEqual(['urn:a'])
    const x = el.getChild('x', NS_DATA_FORMS)
    expect(x?.attrs.type).toBe('result')
    expect(x?.getChild('field')?.attrs.var).toBe(FORM_TYPE)
    expect(x?.getChild('field')?.getChildText('value')).toBe('urn:t')
  })

  it('writes no attribute for an absent node, name or lang', () => {
    const s = infoToXml({ identities: [{ category: 'client', type: 'bot' }], features: [], forms: [] }).toString()
    expect(s).not.toContain('undefined')
    expect(s).not.toContain('node=')
    expect(s).not.toContain('name=')
    expect(s).not.toContain('xml:lang')
  })
})

describe('itemsToXml', () => {
  it('builds a disco#items <query/> with the node and the items', () => {
    const el = itemsToXml({ node: 'n', items: [{ jid: 'a.example.org', node: 'x', name: 'X' }, { jid: 'b.example.org' }] })
    expect(el.is('query', NS_DISCO_ITEMS)).toBe(true)
    expect(el.attrs.node).toBe('n')
    expect(el.getChildren('item').map((i) => i.attrs)).toEqual([
      { jid: 'a.example.org', node: 'x', name: 'X' },
      { jid: 'b.example.org' },
    ])
    expect(el.toString()).not.toContain('undefined')
  })

  it('builds an empty <query/> for no items', () => {
    const el = itemsToXml({ items: [] })
    expect(el.getChildElements()).toHaveLength(0)
    expect(el.toString()).not.toContain('node=')
  })
})

describe('round trip', () => {
  const infos: [string, DiscoInfo][] = [
    ['a minimal info', { identities: [{ category: 'client', type: 'bot' }], features: [], forms: [] }],
    [
      'a full info',
      {
        node: 'https://app.example#ver',
        identities: [
          { category: 'client', type: 'pc', name: 'Client' },
          { category: 'client', type: 'pc', name: 'Klient', lang: 'de' },
          { category: 'client', type: 'pc', lang: 'fr' },
          { category: 'gateway', type: 'irc', name: '<IRC> & "friends" \u00e9\u{1F600}' },
        ],
        features: [NS_DISCO_INFO, 'urn:xmpp:ping', 'urn:x:<&>'],
        forms: [
          {
            type: 'result',
            fields: [
              { var: FORM_TYPE, type: 'hidden', values: ['urn:xmpp:dataforms:softwareinfo'] },
              { var: 'software', label: 'Soft & ware', values: ['Psi <beta>'] },
              { var: 'multi', values: ['a', 'b'] },
              { var: 'none', values: [] },
            ],
          },
        ],
      },
    ],
  ]

  it.each(infos)('parseInfo(infoToXml(x)) equals x for %s', (_, info) => {
    expect(parseInfo(infoToXml(info))).toStrictEqual(info)
  })

  it.each(infos)('survives serialisation to a string and back for %s', (_, info) => {
    expect(parseInfo(parseXml(infoToXml(info).toString()))).toStrictEqual(info)
  })

  const itemsList: [string, DiscoItems][] = [
    ['no items', { items: [] }],
    [
      'items with node',
      {
        node: 'root & <more>',
        items: [
          { jid: 'pubsub.example.org', node: 'news', name: 'News "&" <views>' },
          { jid: 'bob@example.org/phone' },
          { jid: 'pubsub.example.org', node: 'other' },
        ],
      },
    ],
  ]

  it.each(itemsList)('parseItems(itemsToXml(x)) equals x for %s', (_, items) => {
    expect(parseItems(itemsToXml(items))).toStrictEqual(items)
    expect(parseItems(parseXml(itemsToXml(items).toString()))).toStrictEqual(items)
  })

  it('reads an info built with xml() inside an <iq/>', () => {
    const full = infos[1]?.[1] as DiscoInfo
    const iq = xml('iq', { type: 'result', id: 'x' }, infoToXml(full))
    expect(parseInfo(iq)).toStrictEqual(full)
  })
})

describe('toCapsDict', () => {
  const info: DiscoInfo = {
    node: 'dropped',
    identities: [
      { category: 'client', type: 'pc', name: 'Psi 0.11', lang: 'en' },
      { category: 'client', type: 'pc', name: 'Ψ 0.11', lang: 'el' },
      { category: 'client', type: 'bot' },
      { category: 'client', type: 'web', name: 'Web' },
    ],
    features: ['urn:xmpp:ping', 'http://jabber.org/protocol/muc', NS_DISCO_INFO, 'http://jabber.org/protocol/caps'],
    forms: [
      {
        type: 'result',
        fields: [
          { var: FORM_TYPE, type: 'hidden', values: ['urn:xmpp:dataforms:softwareinfo'] },
          { var: 'ip_version', type: 'text-multi', label: 'IP', values: ['ipv4', 'ipv6'] },
          { var: 'os', values: ['Mac'] },
        ],
      },
    ],
  }

  it('has the capsdb shape: identities, sorted features, forms as var -> values', () => {
    expect(toCapsDict(info)).toStrictEqual({
      identities: [
        { category: 'client', type: 'pc', lang: 'en', name: 'Psi 0.11' },
        { category: 'client', type: 'pc', lang: 'el', name: 'Ψ 0.11' },
        { category: 'client', type: 'bot' },
        { category: 'client', type: 'web', name: 'Web' },
      ],
      features: [
        'http://jabber.org/protocol/caps',
        NS_DISCO_INFO,
        'http://jabber.org/protocol/muc',
        'urn:xmpp:ping',
      ],
      forms: [{ FORM_TYPE: ['urn:xmpp:dataforms:softwareinfo'], ip_version: ['ipv4', 'ipv6'], os: ['Mac'] }],
    })
  })

  it('puts lang and name on an identity only when present', () => {
    const dict = toCapsDict(info)
    expect(Object.keys(dict.identities[2] ?? {})).toEqual(['category', 'type'])
    expect(Object.keys(dict.identities[3] ?? {})).toEqual(['category', 'type', 'name'])
    expect(Object.keys(dict.identities[0] ?? {})).toEqual(['category', 'type', 'lang', 'name'])
  })

  it('sorts features by code point, as Python (and i;octet) does', () => {
    const dict = toCapsDict({
      identities: [{ category: 'client', type: 'bot' }],
      features: ['urn:\u{1F600}', 'urn:\uFFFD', 'urn:b', 'urn:B'],
      forms: [],
    })
    expect(dict.features).toEqual(['urn:B', 'urn:b', 'urn:\uFFFD', 'urn:\u{1F600}'])
  })

  it('neither mutates the info nor shares its arrays', () => {
    const copy = structuredClone(info)
    const dict = toCapsDict(info)
    expect(info).toStrictEqual(copy)
    dict.forms[0]?.os?.push('Linux')
    dict.features.push('urn:new')
    dict.identities.push({ category: 'x', type: 'y' })
    expect(info).toStrictEqual(copy)
  })

  it('survives JSON', () => {
    const dict = toCapsDict(info)
    expect(JSON.parse(JSON.stringify(dict))).toStrictEqual(dict)
  })
})
