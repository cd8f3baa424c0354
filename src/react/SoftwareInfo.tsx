'use client'
import { softwareInfoForm } from '../core/extendedInfoForm.js'
import type { SoftwareInfoValues } from '../core/extendedInfoForm.js'
import { useDeclaredForm } from './useDeclaredForm.js'

/** name (`software`), version (`software_version`), os and osVersion (`os`, `os_version`). */
export type SoftwareInfoProps = SoftwareInfoValues

/**
 * Publishes what software we run (XEP-0232, the form
 * urn:xmpp:dataforms:softwareinfo) on our entity or the nearest <DiscoNode>
 * while mounted, as <ExtendedInfo> does. Renders nothing.
 */
export function SoftwareInfo({ name, version, os, osVersion }: SoftwareInfoProps): null {
  useDeclaredForm(softwareInfoForm({ name, version, os, osVersion }), 'SoftwareInfo')
  return null
}
