/**
 * The extended information we publish: XEP-0128 forms, built and checked.
 *
 * XEP-0128 section 2 (a data form of type "result" in disco#info, named by
 *   its hidden FORM_TYPE field, one form per FORM_TYPE)
 * XEP-0004 section 3.2 (field types; a field's var is unique in its form),
 *   XEP-0068 (FORM_TYPE)
 * XEP-0115 section 5.4 and XEP-0390 section 4.1 (forms enter both caps
 *   hashes only with one hidden FORM_TYPE of one value: what is checked here)
 * XEP-0232 section 5.1 (software information: software, software_version,
 *   os, os_version)
 */
import { InvalidInputError, RegistrationError } from './errors.js'
import { hiddenFormType } from './model.js'
import type { DataForm, DataFormField } from './model.js'
import { FORM_TYPE, NS_SOFTWARE_INFO } from './namespaces.js'
import { assertXmlText } from './validate.js'

/** Fields of an extended-info form: var -> its value, or its values. */
export type FormFields = Readonly<Record<string, string | readonly string[]>>

/** What XEP-0232 says about the software behind our JID. */
export interface SoftwareInfoValues {
  /** `software`, e.g. "Chat". */
  name: string
  /** `software_version`, e.g. "1.2". */
  version: string
  /** `os`, e.g. "Linux". */
  os?: string | undefined
  /** `os_version`, e.g. "6.1". */
  osVersion?: string | undefined
}

const FIELD_TYPES: ReadonlySet<string> = new Set([
  'boolean',
  'fixed',
  'hidden',
  'jid-multi',
  'jid-single',
  'list-multi',
  'list-single',
  'text-multi',
  'text-private',
  'text-single',
])

/** The XEP-0128 form `formType` with `fields` (the hidden FORM_TYPE field first). */
export function extendedInfoForm(formType: string, fields: FormFields = {}): DataForm {
  return {
    type: 'result',
    fields: [
      { var: FORM_TYPE, type: 'hidden', values: [formType] },
      // Array.isArray rather than typeof: a number from untyped code becomes a value the check refuses.
      ...Object.entries(fields).map(([name, value]) => ({ var: name, values: Array.isArray(value) ? [...value] : [value] })),
    ],
  }
}

/** XEP-0232's software information form. */
export function softwareInfoForm({ name, version, os, osVersion }: SoftwareInfoValues): DataForm {
  const fields: Record<string, string> = { software: name, software_version: version }
  if (os !== undefined) fields.os = os
  if (osVersion !== undefined) fields.os_version = osVersion
  return extendedInfoForm(NS_SOFTWARE_INFO, fields)
}

function invalid(message: string): RegistrationError {
  return new RegistrationError('invalid', `not an extended-info form: ${message}`)
}

function checkField(field: DataFormField): DataFormField {
  if (typeof field !== 'object' || field === null) throw new InvalidInputError('a form field must be an object')
  assertXmlText(field.var, 'form field var')
  const what = `form field ${field.var}`
  if (field.type !== undefined && !FIELD_TYPES.has(field.type)) throw invalid(`${what} has the unknown type ${JSON.stringify(field.type)}`)
  if (field.label !== undefined) assertXmlText(field.label, `${what} label`)
  if (!Array.isArray(field.values)) throw new InvalidInputError(`${what} needs a values array`)
  for (const value of field.values) assertXmlText(value, `${what} value`, { allowEmpty: true })
  const copy: DataFormField = { var: field.var, values: Object.freeze([...field.values]) as string[] }
  if (field.type !== undefined) copy.type = field.type
  if (field.label !== undefined) copy.label = field.label
  return Object.freeze(copy)
}

/**
 * Checks a form the app publishes and returns its FORM_TYPE and a frozen
 * copy (later changes to the app's object change nothing). Throws an
 * InvalidInputError for an unusable string (empty var, control character,
 * lone surrogate) and a RegistrationError 'invalid' for a form that is no
 * extended-info form: not of type "result", a var twice, no hidden FORM_TYPE
 * with exactly one value.
 */
export function checkExtendedInfoForm(form: DataForm): { formType: string; form: DataForm } {
  if (typeof form !== 'object' || form === null || !Array.isArray(form.fields)) {
    throw new InvalidInputError('a form needs a fields array')
  }
  const fields = form.fields.map(checkField)
  if (form.type !== 'result') throw invalid(`its type is ${JSON.stringify(form.type)}, not "result"`)
  const vars = new Set<string>()
  for (const field of fields) {
    if (vars.has(field.var)) throw invalid(`field ${field.var} twice`)
    vars.add(field.var)
  }
  const checked: DataForm = { type: 'result', fields }
  const formType = hiddenFormType(checked)
  if (!formType) throw invalid('no hidden FORM_TYPE field with one value')
  Object.freeze(fields)
  return { formType, form: Object.freeze(checked) }
}
