/**
 * Checks on app input, made before any state changes. XML 1.0 cannot carry
 * most control characters at all, and the others (tab, newline) have no place
 * in a feature var, an identity category/type/name or a node name.
 */
import { InvalidInputError } from './errors.js'

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/

export function assertText(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') throw new InvalidInputError(`${what} must be a string, got ${typeof value}`)
  if (value.length === 0) throw new InvalidInputError(`${what} must not be empty`)
  if (CONTROL.test(value)) throw new InvalidInputError(`${what} contains a control character: ${JSON.stringify(value)}`)
}

export function assertOptionalText(value: unknown, what: string): asserts value is string | undefined {
  if (value !== undefined) assertText(value, what)
}

/** BCP 47 tags are letters, digits and hyphens; '' means "no xml:lang". */
export function assertLang(value: string, what: string): void {
  if (value !== '' && !/^[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(value)) {
    throw new InvalidInputError(`${what} is not a language tag: ${JSON.stringify(value)}`)
  }
}

// XML cannot carry a lone UTF-16 surrogate: a peer would read U+FFFD, and
// the hash it computes would not be ours.
const LONE_SURROGATE = /\p{Cs}/u

/** assertText, and no lone surrogate; `''` passes with `allowEmpty` (an empty data form value). */
export function assertXmlText(value: unknown, what: string, options: { allowEmpty?: boolean } = {}): asserts value is string {
  if (options.allowEmpty === true && value === '') return
  assertText(value, what)
  if (LONE_SURROGATE.test(value)) throw new InvalidInputError(`${what} contains a lone UTF-16 surrogate: ${JSON.stringify(value)}`)
}
