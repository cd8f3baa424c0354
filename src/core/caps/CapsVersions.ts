/**
 * CapsVersions: our recent vers, each answered at its caps nodes with the
 * info it was computed from.
 *
 * XEP-0115 section 6.2 (node#ver answers the disco#info the ver is the hash
 *   of), XEP-0390 section 5.5 (capability hash nodes) and 6.1 (answer at
 *   least the 3 most recent hash sets: a peer may ask about a presence we
 *   sent before our info changed)
 */
import type { DiscoServer } from '../DiscoServer.js'
import type { DataForm, DiscoIdentity, DiscoInfo } from '../model.js'
import { Node } from '../Node.js'
import type { CapsHash } from './advertisedCaps.js'
import { ecaps2HashNode } from './ecaps390.js'

/** Our info as of one ver, with the nodes that answer for it. */
export interface CapsVersion {
  ver: string
  hashes: CapsHash[]
  node: Node
  mountpoints: string[]
}

/** Answers for one past or current ver: the info it was computed from (a phantom node, never listed). */
class CapsNode extends Node {
  readonly #info: DiscoInfo
  constructor(info: DiscoInfo) {
    super()
    this.#info = info
  }
  override iterIdentities(): Iterable<DiscoIdentity> {
    return this.#info.identities
  }
  override iterFeatures(): Iterable<string> {
    return this.#info.features
  }
  override iterForms(): Iterable<DataForm> {
    return this.#info.forms
  }
}

function sameHashes(a: readonly CapsHash[], b: readonly CapsHash[]): boolean {
  return a.length === b.length && a.every((h, i) => h.algo === b[i]?.algo && h.value === b[i]?.value)
}

export class CapsVersions {
  readonly #server: DiscoServer
  readonly #node: string
  readonly #history: number
  /** Oldest first; the last is current. */
  #versions: CapsVersion[] = []

  /** `node`: our caps node; `history`: how many previous vers are still answered. */
  constructor(server: DiscoServer, node: string, history: number) {
    this.#server = server
    this.#node = node
    this.#history = history
  }

  get current(): CapsVersion | undefined {
    return this.#versions.at(-1)
  }

  /** Every version still answered, oldest first (the last is current). */
  get all(): readonly CapsVersion[] {
    return this.#versions
  }

  /** Makes `ver` (and `hashes`), computed from `info`, the current version, answered at its nodes. */
  install(ver: string, hashes: CapsHash[], info: DiscoInfo): void {
    const same = (v: CapsVersion): boolean => v.ver === ver && sameHashes(v.hashes, hashes)
    const current = this.current
    if (current && same(current)) return
    // Back to an earlier info: that version moves to the front, mounted as it is.
    const earlier = this.#versions.findIndex(same)
    if (earlier !== -1) {
      this.#versions.push(...this.#versions.splice(earlier, 1))
      return
    }
    const node = new CapsNode(info)
    const mountpoints = [`${this.#node}#${ver}`, ...hashes.map((h) => ecaps2HashNode(h.algo, h.value))]
    for (const mountpoint of mountpoints) this.#server.mountNode(mountpoint, node)
    this.#versions.push({ ver, hashes, node, mountpoints })
    while (this.#versions.length > this.#history + 1) this.#unmount(this.#versions.shift())
  }

  /** Unmounts every version. */
  dispose(): void {
    for (const version of this.#versions) this.#unmount(version)
    this.#versions = []
  }

  #unmount(version: CapsVersion | undefined): void {
    for (const mountpoint of version?.mountpoints ?? []) {
      // The app may have mounted something else there since.
      if (this.#server.getNode(mountpoint) === version?.node) this.#server.unmountNode(mountpoint)
    }
  }
}
