// A Node with one identity whose onInfoChanged notifications are counted.
import { Node } from '../../src/core/Node.js'

export function watchedNode(): { node: Node; readonly count: number } {
  const node = new Node()
  node.registerIdentity('client', 'pc')
  let count = 0
  node.onInfoChanged(() => count++)
  return {
    node,
    get count() {
      return count
    },
  }
}
