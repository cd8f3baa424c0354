/**
 * RegisteredFeature: one feature switched on and off, aioxmpp's
 * disco.RegisteredFeature. `using f = new RegisteredFeature(server, v)` holds
 * the feature for the block, as the Python context manager does.
 *
 * XEP-0030 section 3.1 (features)
 */
import type { ClaimRelease, Node } from './Node.js'
import { assertText } from './validate.js'

export class RegisteredFeature implements Disposable {
  readonly #node: Node
  readonly #feature: string
  #release: ClaimRelease | undefined

  /** Registers `feature` on `node` at once (as entering the context does); `enabled = false` withdraws it. */
  constructor(node: Node, feature: string, options: { enabled?: boolean } = {}) {
    assertText(feature, 'feature var')
    this.#node = node
    this.#feature = feature
    this.enabled = options.enabled ?? true
  }

  /** The feature this object controls. */
  get feature(): string {
    return this.#feature
  }

  /**
   * Whether this object currently holds the feature on the node: false too
   * once a strict unregisterFeature removed it, so `enabled = true` claims it again.
   */
  get enabled(): boolean {
    return this.#release?.held ?? false
  }

  set enabled(value: boolean) {
    if (value === this.enabled) return
    if (value) {
      this.#release = this.#node.claimFeature(this.#feature)
    } else {
      const release = this.#release
      this.#release = undefined
      release?.()
    }
  }

  [Symbol.dispose](): void {
    this.enabled = false
  }
}
