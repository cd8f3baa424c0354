// The extended information a node publishes (XEP-0128 forms, XEP-0232
// software information): registration errors, claims, notifications and
// the checks on app input. DESIGN.md "Extended info we publish".
import { describe, expect, it } from 'vitest'
import { InvalidInputError } from '../../src/core/errors.js'
import type { RegistrationErrorReason } from '../../src/core/errors.js'
import { extendedInfoForm, softwareInfoForm } from '../../src/core/extendedInfoForm.js'
import type { DataForm } from '../../src/core/model.js'
import { FORM_TYPE, NS_SOFTWARE_INFO } from '../../src/core/namespaces.js'
import { Node } from '../../src/core/Node.js'
import { watchedNode } from '../helpers/watchedNode.js'

const SERVER_INFO = 'http://jabber.org/network/serverinfo'

const forms = (node: Node): DataForm[] => node.toInfo().forms

/** An extended-info form `type` with `fields`. */
function formOf(type: string, fields: Record<string, string | string[]> = {}): DataForm {
  return extendedInfoForm(type, fields)
}

function refused(reason: RegistrationErrorReason) {
  return expect.objectContaining({ name: 'RegistrationError', reason })
}

describe('extendedInfoForm and softwareInfoForm', () => {
  it('builds a result form with the hidden FORM_TYPE first and one or several values per field', () => {
    expect(extendedInfoForm(SERVER_INFO, { 'abuse-addresses': ['mailto:abuse@example.org', 'xmpp:abuse@example.org'], x: 'y' })).toStrictEqual({
      type: 'result',
      fields: [
        { var: FORM_TYPE, type: 'hidden', values: [SERVER_INFO] },
        { var: 'abuse-addresses', values: ['mailto:abuse@example.org', 'xmpp:abuse@example.org'] },
        { var: 'x', values: ['y'] },
      ],
    })
  })

  it("builds XEP-0232 software information with the XEP's field names, leaving out what is not given", () => {
    expect(softwareInfoForm({ name: 'Chat', version: '1.2', os: 'Linux', osVersion: '6.1' }).fields).toStrictEqual([
      { var: FORM_TYPE, type: 'hidden', values: [NS_SOFTWARE_INFO] },
      { var: 'software', values: ['Chat'] },
      { var: 'software_version', values: ['1.2'] },
      { var: 'os', values: ['Linux'] },
      { var: 'os_version', values: ['6.1'] },
    ])
    expect(NS_SOFTWARE_INFO).toBe('urn:xmpp:dataforms:softwareinfo')
    expect(softwareInfoForm({ name: 'Chat', version: '1.2' }).fields.map((f) => f.var)).toEqual([
      FORM_TYPE,
      'software',
      'software_version',
    ])
  })
})

describe('Node forms: strict registration', () => {
  it('publishes a registered form, a frozen copy the app object no longer changes', () => {
    const { node } = watchedNode()
    const form = formOf(SERVER_INFO, { 'admin-addresses': 'xmpp:admin@example.org' })
    node.registerForm(form)
    form.fields.push({ var: 'late', values: ['x'] })
    expect(forms(node)).toStrictEqual([formOf(SERVER_INFO, { 'admin-addresses': 'xmpp:admin@example.org' })])
    const [held] = node.iterForms()
    expect(Object.isFrozen(held)).toBe(true)
    expect(Object.isFrozen(held?.fields[1]?.values)).toBe(true)
    // toInfo hands out copies: changing them leaves the node alone.
    forms(node)[0]?.fields.pop()
    expect(forms(node)[0]?.fields).toHaveLength(2)
  })

  it('throws RegistrationError duplicate when a FORM_TYPE is registered twice, keeping the first form', () => {
    const w = watchedNode()
    w.node.registerForm(formOf(SERVER_INFO, { a: '1' }))
    expect(() => w.node.registerForm(formOf(SERVER_INFO, { a: '2' }))).toThrow(refused('duplicate'))
    expect(forms(w.node)).toStrictEqual([formOf(SERVER_INFO, { a: '1' })])
    expect(w.count).toBe(1)
  })

  it('throws RegistrationError duplicate when a claim already holds the FORM_TYPE', () => {
    const { node } = watchedNode()
    node.claimForm(formOf(SERVER_INFO))
    expect(() => node.registerForm(formOf(SERVER_INFO))).toThrow(refused('duplicate'))
  })

  const hidden = (values: string[]) => ({ var: FORM_TYPE, type: 'hidden', values })
  it.each<[string, DataForm]>([
    ['no FORM_TYPE field', { type: 'result', fields: [{ var: 'a', values: ['1'] }] }],
    ['a FORM_TYPE that is not hidden', { type: 'result', fields: [{ var: FORM_TYPE, values: ['urn:x'] }] }],
    ['a FORM_TYPE of type text-single', { type: 'result', fields: [{ var: FORM_TYPE, type: 'text-single', values: ['urn:x'] }] }],
    ['a FORM_TYPE with two values', { type: 'result', fields: [hidden(['urn:x', 'urn:y'])] }],
    ['a FORM_TYPE without a value', { type: 'result', fields: [hidden([])] }],
    ['an empty FORM_TYPE value', { type: 'result', fields: [hidden([''])] }],
    ['two FORM_TYPE fields', { type: 'result', fields: [hidden(['urn:x']), hidden(['urn:x'])] }],
    ['a var twice', { type: 'result', fields: [hidden(['urn:x']), { var: 'a', values: ['1'] }, { var: 'a', values: ['2'] }] }],
    ['a form of type "form"', { type: 'form', fields: [hidden(['urn:x'])] }],
    ['a field of an unknown type', { type: 'result', fields: [hidden(['urn:x']), { var: 'a', type: 'text', values: ['1'] }] }],
  ])('throws RegistrationError invalid for %s, changing nothing', (_, form) => {
    const w = watchedNode()
    expect(() => w.node.registerForm(form)).toThrow(refused('invalid'))
    expect(() => w.node.claimForm(form)).toThrow(refused('invalid'))
    expect(forms(w.node)).toEqual([])
    expect(w.count).toBe(0)
  })

  it('throws RegistrationError not-registered when unregistering an unknown FORM_TYPE', () => {
    const { node } = watchedNode()
    expect(() => node.unregisterForm(SERVER_INFO)).toThrow(refused('not-registered'))
    node.registerForm(formOf(SERVER_INFO))
    node.unregisterForm(SERVER_INFO)
    expect(() => node.unregisterForm(SERVER_INFO)).toThrow(refused('not-registered'))
    expect(forms(node)).toEqual([])
  })

  it('removes a form held by claims when it is unregistered strictly; a stale release then does nothing', () => {
    const w = watchedNode()
    const release = w.node.claimForm(formOf(SERVER_INFO, { a: '1' }))
    w.node.unregisterForm(SERVER_INFO)
    expect(release.held).toBe(false)
    w.node.registerForm(formOf(SERVER_INFO, { a: '2' }))
    release()
    expect(forms(w.node)).toStrictEqual([formOf(SERVER_INFO, { a: '2' })])
    expect(w.count).toBe(3)
  })

  it('fires onInfoChanged once per strict change, and once for a batch of them', () => {
    const w = watchedNode()
    w.node.registerForm(formOf(SERVER_INFO))
    w.node.unregisterForm(SERVER_INFO)
    expect(w.count).toBe(2)
    w.node.batch(() => {
      w.node.registerForm(formOf(SERVER_INFO))
      w.node.registerForm(formOf(NS_SOFTWARE_INFO))
      w.node.unregisterForm(SERVER_INFO)
    })
    expect(w.count).toBe(3)
    expect(forms(w.node).map((f) => f.fields[0]?.values[0])).toEqual([NS_SOFTWARE_INFO])
  })
})

describe('Node forms: claims', () => {
  it('keeps a form claimed twice until both claims are released', () => {
    const w = watchedNode()
    const first = w.node.claimForm(formOf(SERVER_INFO, { a: '1' }))
    const second = w.node.claimForm(formOf(SERVER_INFO, { a: '1' }))
    expect(w.count).toBe(1)
    first()
    expect(forms(w.node)).toHaveLength(1)
    expect(second.held).toBe(true)
    second()
    expect(forms(w.node)).toEqual([])
    expect(second.held).toBe(false)
    expect(w.count).toBe(2)
  })

  it('shows the newest claim of a FORM_TYPE and brings the older back when it is released', () => {
    const w = watchedNode()
    const older = w.node.claimForm(formOf(SERVER_INFO, { a: 'older' }))
    const newer = w.node.claimForm(formOf(SERVER_INFO, { a: 'newer' }))
    expect(forms(w.node)).toStrictEqual([formOf(SERVER_INFO, { a: 'newer' })])
    newer()
    expect(forms(w.node)).toStrictEqual([formOf(SERVER_INFO, { a: 'older' })])
    expect(w.count).toBe(3)
    older()
    expect(w.count).toBe(4)
  })

  it('shows a claim over the strict registration, and the strict form once it is released', () => {
    const { node } = watchedNode()
    node.registerForm(formOf(SERVER_INFO, { a: 'strict' }))
    const release = node.claimForm(formOf(SERVER_INFO, { a: 'claimed' }))
    expect(forms(node)).toStrictEqual([formOf(SERVER_INFO, { a: 'claimed' })])
    release()
    expect(forms(node)).toStrictEqual([formOf(SERVER_INFO, { a: 'strict' })])
  })

  it('does nothing when a release is called twice', () => {
    const w = watchedNode()
    const r1 = w.node.claimForm(formOf(SERVER_INFO))
    w.node.claimForm(formOf(SERVER_INFO))
    r1()
    r1()
    expect(forms(w.node)).toHaveLength(1)
    expect(w.count).toBe(1)
  })

  it('publishes forms of several FORM_TYPEs side by side, in the order they came', () => {
    const { node } = watchedNode()
    node.claimForm(softwareInfoForm({ name: 'Chat', version: '1.2' }))
    node.registerForm(formOf(SERVER_INFO))
    expect(forms(node).map((f) => f.fields[0]?.values[0])).toEqual([NS_SOFTWARE_INFO, SERVER_INFO])
  })
})

describe('Node forms: app input', () => {
  function expectInvalidInput(form: unknown): void {
    const w = watchedNode()
    const before = w.node.toInfo()
    expect(() => w.node.registerForm(form as DataForm)).toThrow(InvalidInputError)
    expect(() => w.node.claimForm(form as DataForm)).toThrow(InvalidInputError)
    expect(w.node.toInfo()).toStrictEqual(before)
    expect(w.count).toBe(0)
  }

  it.each<[string, Record<string, unknown>]>([
    ['an empty var', { '': 'x' }],
    ['a var with a newline', { 'a\nb': 'x' }],
    ['a var with a lone surrogate', { 'a\uD800': 'x' }],
    ['a value with a control character', { a: 'x\u0007' }],
    ['a value with a lone surrogate', { a: 'x\uDC00y' }],
    ['one of several values with a lone high surrogate at its end', { a: ['ok', 'x\uD83D'] }],
    ['a number as the value', { a: 5 }],
    ['null as the value', { a: null }],
  ])('rejects a field with %s with InvalidInputError and changes nothing', (_, fields) => {
    expectInvalidInput(extendedInfoForm(SERVER_INFO, fields as Record<string, string>))
  })

  it('rejects a FORM_TYPE with a lone surrogate, a label with a control character, and no fields array', () => {
    expectInvalidInput(extendedInfoForm('urn:x:\uD800'))
    expectInvalidInput({ type: 'result', fields: [{ var: FORM_TYPE, type: 'hidden', values: ['urn:x'] }, { var: 'a', label: 'A\u0000', values: [] }] })
    expectInvalidInput({ type: 'result', fields: [{ var: FORM_TYPE, type: 'hidden', values: 'urn:x' }] })
    expectInvalidInput({ type: 'result' })
    expectInvalidInput(null)
  })

  it('accepts an empty value, a field without values, a label, and characters above U+FFFF', () => {
    const { node } = watchedNode()
    const form: DataForm = {
      type: 'result',
      fields: [
        { var: FORM_TYPE, type: 'hidden', values: ['urn:x'] },
        { var: 'empty', values: [''] },
        { var: 'none', type: 'text-multi', values: [] },
        { var: 'labelled', label: 'Labelled', values: ['😀'] },
      ],
    }
    node.registerForm(form)
    expect(forms(node)).toStrictEqual([form])
  })
})

describe('Node toInfo forms', () => {
  it('drops a second form of one FORM_TYPE a subclass yields, so no reply carries two', () => {
    class Twice extends Node {
      override iterForms(): Iterable<DataForm> {
        return [formOf(SERVER_INFO, { a: 'first' }), formOf(SERVER_INFO, { a: 'second' }), formOf(NS_SOFTWARE_INFO)]
      }
    }
    const node = new Twice()
    node.registerIdentity('client', 'pc')
    expect(forms(node)).toStrictEqual([formOf(SERVER_INFO, { a: 'first' }), formOf(NS_SOFTWARE_INFO)])
  })
})
