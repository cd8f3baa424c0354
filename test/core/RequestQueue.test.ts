import { describe, expect, it } from 'vitest'
import { InvalidInputError } from '../../src/core/errors.js'
import { RequestQueue } from '../../src/core/RequestQueue.js'

/** A task that waits until the test settles it. */
function deferred<T = string>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const flush = () => new Promise((resolve) => setImmediate(resolve))

describe('RequestQueue', () => {
  it('runs at most `limit` tasks at once, the others in the order they came', async () => {
    const queue = new RequestQueue(2)
    const tasks = Array.from({ length: 5 }, () => deferred())
    const started: number[] = []
    const results = tasks.map((task, i) =>
      queue.run(() => {
        started.push(i)
        return task.promise
      }),
    )
    // Handled now: its rejection comes before the assertion below reads it.
    results[0]?.catch(() => {})
    expect(started).toEqual([0, 1])
    expect(queue.running).toBe(2)
    expect(queue.waiting).toBe(3)
    tasks[1]?.resolve('b')
    await flush()
    expect(started).toEqual([0, 1, 2])
    tasks[0]?.reject(new Error('a failed'))
    await flush()
    expect(started).toEqual([0, 1, 2, 3])
    for (const task of tasks.slice(2)) task.resolve('later')
    await flush()
    expect(started).toEqual([0, 1, 2, 3, 4])
    await expect(results[0]).rejects.toThrow('a failed')
    await expect(results[1]).resolves.toBe('b')
    await expect(Promise.all(results.slice(2))).resolves.toEqual(['later', 'later', 'later'])
    expect(queue.running).toBe(0)
    expect(queue.waiting).toBe(0)
  })

  it('takes a waiting task out when its signal aborts, and never runs it', async () => {
    const queue = new RequestQueue(1)
    const first = deferred()
    void queue.run(() => first.promise)
    const controller = new AbortController()
    let ran = false
    const waiting = queue.run(async () => {
      ran = true
      return 'no'
    }, controller.signal)
    expect(queue.waiting).toBe(1)
    controller.abort(new Error('gone'))
    await expect(waiting).rejects.toThrow('gone')
    expect(queue.waiting).toBe(0)
    first.resolve('done')
    await flush()
    expect(ran).toBe(false)
    await expect(queue.run(async () => 'next', controller.signal)).rejects.toThrow('gone')
  })

  it('gives the place of a task under way to the next at once when its signal aborts, even if the task never settles', async () => {
    const queue = new RequestQueue(1)
    const controller = new AbortController()
    const forgotten = queue.run(() => new Promise<string>(() => {}), controller.signal)
    let started = false
    const next = queue.run(async () => {
      started = true
      return 'next'
    })
    expect(started).toBe(false)
    controller.abort(new Error('left'))
    expect(started).toBe(true)
    await expect(forgotten).rejects.toThrow('left')
    await expect(next).resolves.toBe('next')
    expect(queue.running).toBe(0)
  })

  it('frees the slot of a task that throws before returning its promise', async () => {
    const queue = new RequestQueue(1)
    await expect(
      queue.run(() => {
        throw new Error('at once')
      }),
    ).rejects.toThrow('at once')
    await expect(queue.run(async () => 'ok')).resolves.toBe('ok')
    expect(queue.running).toBe(0)
  })

  it('defaults to 6 and refuses a limit that is not a positive integer', () => {
    expect(new RequestQueue().limit).toBe(6)
    for (const limit of [0, -1, 1.5, Number.NaN]) expect(() => new RequestQueue(limit)).toThrow(InvalidInputError)
  })
})
