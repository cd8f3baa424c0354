// PresenceWindow: requests for full JIDs wait for their presence early in a
// new session, until it comes, the window closes, or the request stops.
import { describe, expect, it, vi } from 'vitest'
import { PresenceWindow } from '../../../src/core/caps/PresenceWindow.js'

/** The signal of a request the test ends by hand. */
function stopper(): AbortSignal & { end(reason: unknown): void } {
  const controller = new AbortController()
  return Object.assign(controller.signal, { end: (reason: unknown) => controller.abort(reason) })
}

describe('PresenceWindow', () => {
  it("lets a request go on when its JID's presence comes, and stops waiting for that JID", async () => {
    const window = new PresenceWindow(['juliet@example.org/balcony', 'romeo@example.org/orchard'])
    expect(window.awaits('juliet@example.org/balcony')).toBe(true)
    let done = false
    const waiting = window.wait('juliet@example.org/balcony', stopper()).then(() => (done = true))
    window.saw('romeo@example.org/orchard')
    await Promise.resolve()
    expect(done).toBe(false)
    window.saw('juliet@example.org/balcony')
    await waiting
    expect(window.awaits('juliet@example.org/balcony')).toBe(false)
    window.close()
  })

  it('lets every waiting request go on when it closes, after closeAfter(ms), and leaves no timer', async () => {
    vi.useFakeTimers()
    try {
      const window = new PresenceWindow(['a@example.org/r', 'b@example.org/r', 'c@example.org/r'])
      const outcomes: string[] = []
      const a = window.wait('a@example.org/r', stopper()).then(() => outcomes.push('a'))
      const b = window.wait('b@example.org/r', stopper()).then(() => outcomes.push('b'))
      window.closeAfter(5000)
      await vi.advanceTimersByTimeAsync(4999)
      expect(outcomes).toEqual([])
      await vi.advanceTimersByTimeAsync(1)
      await Promise.all([a, b])
      expect(outcomes).toEqual(['a', 'b'])
      expect(window.awaits('c@example.org/r')).toBe(false)
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('stays open past closeAfter(ms) while presences keep coming (1 s apart at most), closing at the latest at 4 x ms', async () => {
    vi.useFakeTimers()
    try {
      const flood = new PresenceWindow(['last@example.org/r'])
      let floodDone = false
      void flood.wait('last@example.org/r', stopper()).then(() => (floodDone = true))
      flood.closeAfter(5000)
      // A presence every 800 ms until 8 s: the flood goes on past 5 s.
      for (let t = 800; t <= 8000; t += 800) {
        await vi.advanceTimersByTimeAsync(800)
        flood.saw(`p${t}@example.org/r`)
      }
      expect(floodDone).toBe(false)
      await vi.advanceTimersByTimeAsync(999)
      expect(floodDone).toBe(false)
      await vi.advanceTimersByTimeAsync(1)
      expect(floodDone).toBe(true)

      const endless = new PresenceWindow(['last@example.org/r'])
      let endlessDone = false
      void endless.wait('last@example.org/r', stopper()).then(() => (endlessDone = true))
      endless.closeAfter(5000)
      for (let t = 500; t < 20_000; t += 500) {
        await vi.advanceTimersByTimeAsync(500)
        endless.saw(`p${t}@example.org/r`)
      }
      expect(endlessDone).toBe(false)
      await vi.advanceTimersByTimeAsync(500)
      expect(endlessDone).toBe(true)
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('rejects a waiting request with the reason it stopped for, and forgets it', async () => {
    const window = new PresenceWindow(['juliet@example.org/balcony'])
    const stop = stopper()
    const waiting = window.wait('juliet@example.org/balcony', stop)
    stop.end(new Error('abandoned'))
    await expect(waiting).rejects.toThrow('abandoned')
    // Its presence later wakes nobody.
    window.saw('juliet@example.org/balcony')
    window.close()
  })

  // A peer we only asked (no presence of it in the last session, so no caps)
  // sends us no presence in the new one either: its row is asked at once.
  it('holds back only the JIDs it expects a presence from', () => {
    const window = new PresenceWindow(['juliet@example.org/balcony'])
    expect(window.awaits('juliet@example.org/balcony')).toBe(true)
    expect(window.awaits('bob@example.org/desk')).toBe(false)
    window.close()
    expect(window.awaits('juliet@example.org/balcony')).toBe(false)
  })
})
