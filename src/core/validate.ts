/**
 * Checks on app input, made before any state changes and before anything is
 * sent. XML 1.0 cannot carry most control characters at all, and the others
 * (tab, newline) have no place in a feature var, an identity category/type/name
 * or a node name. A lone UTF-16 surrogate cannot be written as XML either: it
 * would go out as U+FFFD, so what was registered and what peers see would differ.
 *
 * RFC 5646 section 2.1.1 (language tags compare case-insensitively)
 * HTML Living Standard, timers (setTimeout holds at most 2^31-1 ms)
 */
import { InvalidInputError } from './errors.js'

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/
// With the u flag a well-formed pair is one code point outside this range: only lone halves match.
const LONE_SURROGATE = /[\ud800-\udfff]/u

// Both at once: what nearly every value passes with one test.
// eslint-disable-next-line no-control-regex
const UNWRITABLE = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udfff]/u

/** The reason `value` cannot travel as XML character data, or undefined when it can. */
export function unwritableReason(value: string): string | undefined {
  if (!UNWRITABLE.test(value)) return undefined
  if (CONTROL.test(value)) return 'contains a control character'
  if (LONE_SURROGATE.test(value)) return 'contains a lone UTF-16 surrogate'
  return undefined
}

export function assertText(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') throw new InvalidInputError(`${what} must be a string, got ${typeof value}`)
  if (value.length === 0) throw new InvalidInputError(`${what} must not be empty`)
  const reason = unwritableReason(value)
  if (reason) throw new InvalidInputError(`${what} ${reason}: ${JSON.stringify(value)}`)
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

/** The form of a language tag that equal tags share ('EN' and 'en' are one language). */
export function langKey(lang: string | undefined): string {
  return lang === undefined ? '' : lang.toLowerCase()
}

/**
 * A caller's timeout: a positive number of milliseconds, or Infinity for
 * none. Throws InvalidInputError otherwise; undefined gives `fallback`.
 */
export function checkTimeout(value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new InvalidInputError(`timeout must be a positive number of milliseconds or Infinity, got ${String(value)}`)
  }
  return value
}

/** assertText (which refuses lone surrogates too); `''` passes with `allowEmpty` (an empty data form value). */
export function assertXmlText(value: unknown, what: string, options: { allowEmpty?: boolean } = {}): asserts value is string {
  if (options.allowEmpty === true && value === '') return
  assertText(value, what)
}
