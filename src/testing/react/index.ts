// The ./testing/react entry: renderWithDisco, for testing an app's components
// with Testing Library. Apart from ./testing because it needs React and
// @testing-library/react, which ./testing (Node, browsers, any framework) must not.
export { renderWithDisco } from './renderWithDisco.js'
export type { DiscoTestNetwork, RenderWithDiscoOptions, RenderWithDiscoResult } from './renderWithDisco.js'
