// Throwaway Prosody servers for integration tests (see scripts/prosody-lib.mjs).
export { startProsody, freePort, portAcceptsConnections, CONFIG_PATH } from '../../scripts/prosody-lib.mjs'
export type {
  ProsodyExit,
  ProsodyServer,
  ProsodyUser,
  StartProsodyOptions,
} from '../../scripts/prosody-lib.mjs'
