// The ./devtools entry: <DiscoDevtools>, a panel for disco and entity
// capabilities, like TanStack Query's devtools. An entry of its own, so that
// no app ships it unless it imports it.
export { DiscoDevtools } from './DiscoDevtools.js'
export type { DiscoDevtoolsProps, DiscoDevtoolsTab } from './DiscoDevtools.js'
