/**
 * The digests entity capabilities hash with, from Web Crypto (`crypto.subtle`,
 * present in browsers and Node 20 alike).
 *
 * XEP-0300 section 5 (hash algorithm names; sha-1 only where a protocol
 *   still requires it), RFC 4648 section 4 (base64, padded, no whitespace)
 */

/** XEP-0300 names of the hash functions this library can compute. */
export type CapsAlgorithm = 'sha-1' | 'sha-256' | 'sha-512' | 'sha3-256' | 'sha3-512'

const WEB_CRYPTO_NAMES: Record<CapsAlgorithm, string> = {
  'sha-1': 'SHA-1',
  'sha-256': 'SHA-256',
  'sha-512': 'SHA-512',
  'sha3-256': 'SHA3-256',
  'sha3-512': 'SHA3-512',
}

/** `name` if it is one of `allowed` (a protocol's algorithms), else undefined. */
export function algorithmIn(name: string | undefined, allowed: readonly CapsAlgorithm[]): CapsAlgorithm | undefined {
  return allowed.find((algorithm) => algorithm === name)
}

const available = new Map<CapsAlgorithm, Promise<boolean>>()

/** Whether this runtime's Web Crypto computes `algorithm` (SHA-3 is missing from many, Node 20 included). */
export function isAlgorithmAvailable(algorithm: CapsAlgorithm): Promise<boolean> {
  let answer = available.get(algorithm)
  if (!answer) {
    answer = crypto.subtle.digest(WEB_CRYPTO_NAMES[algorithm], new Uint8Array(0)).then(
      () => true,
      () => false,
    )
    available.set(algorithm, answer)
  }
  return answer
}

/** base64 of the `algorithm` digest of `bytes`. */
export async function digestBase64(algorithm: CapsAlgorithm, bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(WEB_CRYPTO_NAMES[algorithm], bytes))
  let binary = ''
  for (const byte of digest) binary += String.fromCharCode(byte)
  return btoa(binary)
}
