/**
 * CapsComputer: our vers, computed once per burst of changes to our info.
 *
 * XEP-0115 section 5.1 (the ver string), XEP-0390 section 4 (the hash set,
 *   here with the implicit language of our stream: section 4.1 hashes the
 *   xml:lang of identities, and peers read ours through our server)
 *
 * React commits and app code change the root node's info in bursts (a list
 * of <Feature>s mounting). Each burst gives one ver (and one presence, sent
 * by CapsAdvertiser), computed after BURST_QUIET ms of quiet, or BURST_MAX
 * ms after the burst began if it never goes quiet. Computations run one
 * after another; each installs its ver in CapsVersions.
 */
import type { DiscoServer } from '../DiscoServer.js'
import type { CapsHash } from './advertisedCaps.js'
import type { CapsVersions } from './CapsVersions.js'
import { isAlgorithmAvailable } from './digest.js'
import { withImplicitLang } from './capsData.js'
import { capsVer } from './ecaps115.js'
import { ecaps2Hash } from './ecaps390.js'

/** Changes closer together than this are one burst: one new presence. */
const BURST_QUIET = 20
/** A burst that never goes quiet still gets a presence this often. */
const BURST_MAX = 80

export class CapsComputer {
  readonly #server: DiscoServer
  readonly #versions: CapsVersions
  readonly #ecaps2: boolean
  /** After each computation: its ver is installed (or could not be computed). */
  readonly #computed: () => void
  /** The ver computations, one after another. */
  #computing: Promise<void> = Promise.resolve()
  /** Computations scheduled or running (a burst waiting for its quiet period counts). */
  #inProgress = 0
  #burstTimer: ReturnType<typeof setTimeout> | undefined
  #burstStart = 0
  /** The implicit language our XEP-0390 hashes are computed with (Session.streamLang). */
  #lang: string | undefined
  #disposed = false

  /** Computes `server`'s vers into `versions` (XEP-0390 hashes too if `ecaps2`), with the stream language `lang`, calling `computed` after each. */
  constructor(server: DiscoServer, versions: CapsVersions, { ecaps2, lang }: { ecaps2: boolean; lang: string | undefined }, computed: () => void) {
    this.#server = server
    this.#versions = versions
    this.#ecaps2 = ecaps2
    this.#lang = lang
    this.#computed = computed
  }

  /** Whether a ver is scheduled or being computed: a presence sent now would carry an older one. */
  get busy(): boolean {
    return this.#inProgress > 0
  }

  /** Our info changed: a new ver at the end of the burst. */
  changed(): void {
    const now = Date.now()
    if (this.#burstTimer === undefined) {
      this.#burstStart = now
      this.#inProgress++
    } else {
      clearTimeout(this.#burstTimer)
    }
    const wait = Math.max(0, Math.min(BURST_QUIET, this.#burstStart + BURST_MAX - now))
    this.#burstTimer = setTimeout(() => this.#endBurst(), wait)
  }

  /** The burst waiting for its quiet period is over: its ver is computed. */
  #endBurst(): void {
    clearTimeout(this.#burstTimer)
    this.#burstTimer = undefined
    this.#inProgress--
    if (!this.#disposed) this.compute()
  }

  /**
   * The language of our stream is now `lang`: with XEP-0390 hashes and
   * another language, they are computed again. Returns whether they are.
   */
  setLanguage(lang: string | undefined): boolean {
    if (!this.#ecaps2 || lang === this.#lang) return false
    this.#lang = lang
    this.compute()
    return true
  }

  /** Resolves once every ver scheduled so far is computed, a burst still waiting for its quiet period included. */
  async settled(): Promise<void> {
    if (this.#burstTimer !== undefined) this.#endBurst()
    await this.#computing
  }

  /** Computes a ver now (after those under way). */
  compute(): void {
    this.#inProgress++
    this.#computing = this.#computing.then(async () => {
      try {
        await this.#recompute()
      } finally {
        this.#inProgress--
      }
      this.#computed()
    })
  }

  async #recompute(): Promise<void> {
    try {
      const info = this.#server.toInfo()
      const ver = await capsVer(info)
      const hashes: CapsHash[] = []
      for (const algo of this.#ecaps2 ? (['sha-256', 'sha3-256'] as const) : []) {
        if (!(await isAlgorithmAvailable(algo))) continue
        try {
          // Peers read our identities through the server, which gives them its language.
          hashes.push({ algo, value: await ecaps2Hash(withImplicitLang(info, this.#lang), algo) })
        } catch {
          // XEP-0390 cannot hash this info (a form without FORM_TYPE): no hash set.
        }
      }
      // Computed while being turned off: nothing may be mounted any more.
      if (!this.#disposed) this.#versions.install(ver, hashes, info)
    } catch {
      // No Web Crypto: presences go out without caps.
    }
  }

  /** No more computations; no timer left. */
  dispose(): void {
    this.#disposed = true
    clearTimeout(this.#burstTimer)
    this.#burstTimer = undefined
  }
}
