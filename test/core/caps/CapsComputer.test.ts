// CapsComputer: one ver per burst of changes to our info. DESIGN.md "Entity
// capabilities" (outgoing: "once per burst ... sent within 100 ms of the
// burst's last change") is the specification.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DiscoServer } from '../../../src/core/index.js'
import { CapsComputer } from '../../../src/core/caps/CapsComputer.js'
import { CapsVersions } from '../../../src/core/caps/CapsVersions.js'
import { capsVer } from '../../../src/core/caps/ecaps115.js'
import { NODE } from '../../helpers/capsWorld.js'
import { FakeNetwork } from '../../helpers/fakeNetwork.js'

function setup({ ecaps2 = true, lang = undefined as string | undefined } = {}) {
  const server = DiscoServer.for(new FakeNetwork().entity('alice@example.org/home'))
  const versions = new CapsVersions(server, NODE, 3)
  const computed = vi.fn()
  const computer = new CapsComputer(server, versions, { ecaps2, lang }, computed)
  const stop = server.onInfoChanged(() => computer.changed())
  cleanups.push(() => {
    stop()
    computer.dispose()
    versions.dispose()
  })
  return { server, versions, computer, computed }
}

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  vi.useRealTimers()
})

describe('CapsComputer', () => {
  it('computes one ver for a burst of changes, once the burst goes quiet', async () => {
    vi.useFakeTimers()
    const { server, versions, computer, computed } = setup()
    for (let i = 0; i < 10; i++) server.registerFeature(`urn:example:f${i}`)
    expect(computer.busy).toBe(true)
    await vi.advanceTimersByTimeAsync(19)
    expect(computed).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    await computer.settled()
    expect(computed).toHaveBeenCalledTimes(1)
    expect(computer.busy).toBe(false)
    expect(versions.current?.ver).toBe(await capsVer(server.toInfo()))
  })

  it('computes a burst that never goes quiet 80 ms after it began', async () => {
    vi.useFakeTimers()
    const { server, computer } = setup()
    // The computations started (their hashing is not on the fake clock).
    const compute = vi.spyOn(computer, 'compute')
    for (let i = 0; i < 9; i++) {
      server.registerFeature(`urn:example:f${i}`)
      await vi.advanceTimersByTimeAsync(10)
    }
    // Changes 10 ms apart from 0 to 80 ms: one computation at 80 ms, and the last change starts a burst of its own.
    expect(compute).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(20)
    expect(compute).toHaveBeenCalledTimes(2)
  })

  it('settles a burst still waiting for its quiet period at once', async () => {
    vi.useFakeTimers()
    const { server, versions, computer, computed } = setup()
    server.registerFeature('urn:example:now')
    await computer.settled()
    expect(computed).toHaveBeenCalledTimes(1)
    expect(versions.current?.ver).toBe(await capsVer(server.toInfo()))
    // Its timer went with it: no second computation later.
    await vi.advanceTimersByTimeAsync(100)
    expect(computed).toHaveBeenCalledTimes(1)
  })

  it('computes the XEP-0390 hashes again for a new stream language, and only then', async () => {
    const { versions, computer, computed } = setup({ lang: 'en' })
    computer.compute()
    await computer.settled()
    const english = versions.current?.hashes
    expect(computer.setLanguage('en')).toBe(false)
    expect(computer.setLanguage('de')).toBe(true)
    await computer.settled()
    expect(computed).toHaveBeenCalledTimes(2)
    expect(versions.current?.hashes).not.toEqual(english)
  })

  it('does not compute for a new stream language without XEP-0390 hashes', () => {
    const { computer } = setup({ ecaps2: false, lang: 'en' })
    expect(computer.setLanguage('de')).toBe(false)
    expect(computer.busy).toBe(false)
  })

  it('installs nothing and leaves no timer once disposed', async () => {
    vi.useFakeTimers()
    const { server, versions, computer, computed } = setup()
    server.registerFeature('urn:example:late')
    computer.dispose()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(100)
    expect(computed).not.toHaveBeenCalled()
    expect(versions.current).toBeUndefined()
  })
})
