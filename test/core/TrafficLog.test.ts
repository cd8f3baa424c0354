// The devtools' traffic log (src/devtools/TrafficLog.ts): one row per query,
// whatever happens to it on the way.
import { describe, expect, it } from 'vitest'
import { TrafficLog } from '../../src/devtools/TrafficLog.js'

const BOB = 'bob@example.org/b'
const request = { id: 'disco-1', to: BOB, kind: 'info' as const, node: undefined }

describe('TrafficLog', () => {
  it('keeps a query re-asked after a stream resumption on its one row, marked re-asked, with the latency from the first ask', () => {
    const log = new TrafficLog()
    log.add({ type: 'asked', ...request, at: 1000 })
    log.add({ type: 're-asked', ...request, at: 1500 })
    log.add({ type: 'answered', ...request, at: 1600, latency: 600 })
    expect(log.rows).toHaveLength(1)
    expect(log.rows[0]).toMatchObject({ type: 'request', id: 'disco-1', at: 1000, state: 'answered', reasked: 1, latency: 600 })
  })

  it('starts the row of a query re-asked before the log listened at its re-ask', () => {
    const log = new TrafficLog()
    log.add({ type: 're-asked', ...request, at: 1500 })
    expect(log.rows).toEqual([expect.objectContaining({ type: 'request', state: 'pending', reasked: 1 })])
  })
})
