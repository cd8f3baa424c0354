// A jsdom window as the global environment React renders into (benchmarks 4
// and 7): document, window and the DOM classes react-dom reads, and act().
import { JSDOM } from 'jsdom'

/** Installs a fresh jsdom window on globalThis; returns its document. */
export function installJsdom() {
  const dom = new JSDOM('<!doctype html><html><body><div id="root"></div></body></html>', { url: 'http://localhost/' })
  const { document } = dom.window
  globalThis.window = dom.window
  globalThis.document = document
  for (const key of ['navigator', 'HTMLElement', 'Node', 'Element', 'MutationObserver']) {
    if (!(key in globalThis)) Object.defineProperty(globalThis, key, { value: dom.window[key], configurable: true, writable: true })
  }
  globalThis.IS_REACT_ACT_ENVIRONMENT = true
  return document
}
