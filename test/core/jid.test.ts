import jid, { JID } from '@xmpp/jid'
import { describe, expect, it } from 'vitest'
import { DiscoError, InvalidInputError, InvalidJidError } from '../../src/core/errors.js'
import { normalizeJid, toJid } from '../../src/core/jid.js'

function expectInvalid(input: unknown): InvalidJidError {
  let caught: unknown
  try {
    toJid(input as string)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(InvalidJidError)
  expect(caught).toBeInstanceOf(InvalidInputError)
  expect(caught).toBeInstanceOf(DiscoError)
  expect((caught as InvalidJidError).input).toBe(input)
  expect(() => normalizeJid(input as string)).toThrow(InvalidJidError)
  return caught as InvalidJidError
}

describe('toJid and normalizeJid accept valid JIDs', () => {
  it.each([
    ['example.org', 'example.org'],
    ['alice@example.org', 'alice@example.org'],
    ['alice@example.org/phone', 'alice@example.org/phone'],
    ['example.org/admin', 'example.org/admin'],
    ['pubsub.shakespeare.lit', 'pubsub.shakespeare.lit'],
    ['localhost', 'localhost'],
    ['juliet@127.0.0.1/balcony', 'juliet@127.0.0.1/balcony'],
    ['ñoño@ejemplo.es/móvil', 'ñoño@ejemplo.es/móvil'],
  ])('keeps %s as %s', (input, expected) => {
    expect(normalizeJid(input)).toBe(expected)
  })

  it('keeps "@" and "/" inside the resource', () => {
    const j = toJid('room@conference.example.org/nick@home/with/slashes')
    expect(j.local).toBe('room')
    expect(j.domain).toBe('conference.example.org')
    expect(j.resource).toBe('nick@home/with/slashes')
    expect(normalizeJid('room@conference.example.org/nick@home/with/slashes')).toBe(
      'room@conference.example.org/nick@home/with/slashes',
    )
  })

  it('lower-cases the localpart and the domain but keeps the resource case', () => {
    expect(normalizeJid('Alice@Example.ORG/Phone')).toBe('alice@example.org/Phone')
    expect(normalizeJid('EXAMPLE.org')).toBe('example.org')
  })

  it('writes the localpart and domain in NFKC (fullwidth letters are ASCII) and the resource in NFC, as servers route them', () => {
    // U+FF41.. fullwidth letters; 'e' + U+0301 combining acute is 'é' (U+00E9) composed.
    expect(normalizeJid('\uff42\uff4f\uff42@\uff45xample.org/\uff58')).toBe('bob@example.org/\uff58')
    expect(normalizeJid('Cafe\u0301@example.org/Re\u0301sume\u0301')).toBe('caf\u00e9@example.org/R\u00e9sum\u00e9')
    expect(normalizeJid('bob@E\u0301xample.org')).toBe('bob@\u00e9xample.org')
  })

  it('keeps the joiners, which RFC 8264 allows in context', () => {
    expect(normalizeJid('\u0915\u094d\u200d@example.org')).toBe('\u0915\u094d\u200d@example.org')
  })

  it('checks the localpart and domain as mapped: a fullwidth "@" or "/" is one', () => {
    expect(() => normalizeJid('a\uff20b@example.org')).toThrow(InvalidJidError)
    expect(() => normalizeJid('a@exa\uff0fmple.org')).toThrow(InvalidJidError)
  })

  it('drops the trailing dot of a fully qualified domain', () => {
    expect(normalizeJid('alice@example.org./r')).toBe('alice@example.org/r')
  })

  it('returns a JID with its parts', () => {
    const j = toJid('Bob@Example.org/Laptop')
    expect(j).toBeInstanceOf(JID)
    expect([j.local, j.domain, j.resource]).toEqual(['bob', 'example.org', 'Laptop'])
    expect(j.bare().toString()).toBe('bob@example.org')
  })

  it('accepts an @xmpp/jid JID, and one shaped like it from another copy of the package', () => {
    expect(normalizeJid(jid('Carol@Example.org/x'))).toBe('carol@example.org/x')
    const copy = { domain: 'example.org', bare: () => copy, toString: () => 'Dave@Example.org' }
    expect(normalizeJid(copy)).toBe('dave@example.org')
  })

  it('accepts parts of exactly 1023 octets', () => {
    const part = 'a'.repeat(1023)
    expect(normalizeJid(`${part}@example.org/${part}`)).toBe(`${part}@example.org/${part}`)
    expect(normalizeJid(`x@${'é'.repeat(511)}a`)).toBe(`x@${'é'.repeat(511)}a`)
  })

  // normalizeJid recognises canonical addresses without parsing them: it must
  // agree with the full parse (toJid) on each, valid or not.
  it.each([
    'a@b',
    'a.b_c-d@e-f.g/h i',
    'room@conference.example.org/nick@home/with/slashes',
    '...@example.org',
    'a\\5cb@example.org',
    'a\\b@example.org',
    'a@example.org/\\x',
    'a@b/',
    'a@',
    '@b',
    'a@.b',
    'a@b.',
    'a@b..c',
    'a@-b-',
    'a@b/ ',
    'A@b',
    'a@B',
    'a@b/C',
    'a@b@c',
    'a b@c',
    'a@b c',
    'a@b_c',
    'a@b:5222',
    'a@[::1]',
    `${'a'.repeat(1023)}@b`,
    `${'a'.repeat(1024)}@b`,
    `a@${'b.'.repeat(511)}c`,
    `a@${'b.'.repeat(512)}c`,
    `a@b/${'r'.repeat(1023)}`,
    `a@b/${'r'.repeat(1024)}`,
    'a@b/r\u0007',
    'a@127.0.0.1',
    'a@b/c@d',
    'a@b./c',
    'b.',
    'é@b',
    'a@bé',
    'a@b/é',
    'a@xn--bcher-kva.example',
    '\\20a@b',
    'a\\40b@c',
    'a@b/r/s',
    '0@1',
    '-@-',
    'a@B.C/D',
    'a@b-c.d-e/ ~',
  ])('gives %j the same answer as the full parse', (input) => {
    let parsed: string | undefined
    try {
      parsed = toJid(input).toString()
    } catch {
      expect(() => normalizeJid(input)).toThrow(InvalidJidError)
      return
    }
    expect(normalizeJid(input)).toBe(parsed)
  })
})

describe('toJid and normalizeJid reject invalid JIDs with InvalidJidError', () => {
  it.each([
    ['the empty string', ''],
    ['an empty localpart', '@example.org'],
    ['an empty domain after the localpart', 'a@'],
    ['two @ in the bare JID', 'a@b@c'],
    ['an empty resource', 'example.org/'],
    ['an empty resource after a full bare JID', 'alice@example.org/'],
    ['an empty domain before a resource', '/resource'],
    ['an empty domain between @ and /', 'alice@/r'],
    ['a space in the localpart', 'alice smith@example.org'],
    ['a tab in the localpart', 'alice\tsmith@example.org'],
    ['a space in the domain', 'exam ple.org'],
    ['a NUL in the localpart', 'al\u0000ice@example.org'],
    ['a control character in the domain', 'alice@exa\u0007mple.org'],
    ['a control character in the resource', 'alice@example.org/ph\u0001one'],
    ['a DEL in the resource', 'alice@example.org/\u007f'],
    ['U+FFFE (which XML cannot carry) in the resource', 'alice@example.org/\ufffe'],
    ['a lone surrogate (sent as U+FFFD) in the resource', 'alice@example.org/phone\ud83d'],
    ['a zero-width space (default-ignorable, RFC 8264) in the localpart', 'b\u200bob@example.org'],
    ['a soft hyphen in the domain', 'bob@exam\u00adple.org'],
    ['a variation selector in the resource', 'bob@example.org/phone\u2764\ufe0f'],
    ['a private-use character in the localpart', 'b\ue000ob@example.org'],
    ['a quote in the localpart', 'a"b@example.org'],
    ['an apostrophe in the localpart', "a'b@example.org"],
    ['an ampersand in the localpart', 'a&b@example.org'],
    ['a colon in the localpart', 'a:b@example.org'],
    ['angle brackets in the localpart', 'a<b>@example.org'],
    ['angle brackets in the domain', 'alice@exa<mple.org'],
    ['a leading dot in the domain', 'alice@.example.org'],
    ['an empty label in the domain', 'alice@example..org'],
    ['a lone dot as domain', '.'],
    ['a localpart over 1023 octets', `${'a'.repeat(1024)}@example.org`],
    ['a multi-byte localpart over 1023 octets', `${'é'.repeat(512)}@example.org`],
    ['a domain over 1023 octets', `alice@${'a'.repeat(1024)}`],
    ['a resource over 1023 octets', `alice@example.org/${'r'.repeat(1024)}`],
  ])('rejects %s', (_, input) => {
    const err = expectInvalid(input)
    expect(err.message).toContain('Invalid JID')
  })

  it.each([
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['a symbol', Symbol('x')],
    ['a function', () => 'alice@example.org'],
  ])('rejects %s', (_, input) => {
    expectInvalid(input)
  })

  it('rejects an object whose string form is not a JID', () => {
    expectInvalid({ toString: () => 'a@b@c' })
    expectInvalid({})
  })

  it('rejects objects that only stringify to a JID instead of sending them', () => {
    expect(expectInvalid(['bob@example.org']).message).toContain('neither a string nor a JID')
    expectInvalid([jid('bob@example.org')])
    expectInvalid({ toString: () => 'bob@example.org' })
    expectInvalid(new URL('xmpp:bob@example.org'))
  })

  it('rejects an @xmpp/jid JID that xmpp.js built leniently', () => {
    expectInvalid(jid('a@b@c'))
    expectInvalid(new JID('x', 'exa mple.org'))
    expectInvalid(new JID('x', 'example.org', 'bad\u0000resource'))
  })

  it('says which part is wrong', () => {
    expect(expectInvalid('@example.org').message).toContain('localpart')
    expect(expectInvalid('example.org/').message).toContain('resourcepart')
    expect(expectInvalid(`${'a'.repeat(1024)}@example.org`).message).toContain('1023')
  })
})
