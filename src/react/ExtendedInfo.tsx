'use client'
import { extendedInfoForm } from '../core/extendedInfoForm.js'
import type { FormFields } from '../core/extendedInfoForm.js'
import { useDeclaredForm } from './useDeclaredForm.js'

export interface ExtendedInfoProps {
  /** The form's FORM_TYPE, e.g. "http://jabber.org/network/serverinfo" (XEP-0157). */
  formType: string
  /** var -> value, or values for a field with several. */
  fields: FormFields
}

/**
 * Publishes a XEP-0128 extended-info form in the disco#info of our entity (or
 * of the nearest <DiscoNode>) while mounted; it enters the caps hashes too.
 * Reference-counted per FORM_TYPE: while two declare one, the newer one's
 * fields are published. Renders nothing.
 */
export function ExtendedInfo({ formType, fields }: ExtendedInfoProps): null {
  useDeclaredForm(extendedInfoForm(formType, fields), 'ExtendedInfo')
  return null
}
