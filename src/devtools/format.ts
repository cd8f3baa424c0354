// Small formatters the devtools panels share.

/** "14:03:07.412" */
export function clock(at: number): string {
  const d = new Date(at)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`
}

/** "now", "12 s", "3 min", "2 h" since `at`. */
export function age(at: number, now: number): string {
  if (at === 0) return '—'
  const seconds = Math.max(0, Math.round((now - at) / 1000))
  if (seconds < 1) return 'now'
  if (seconds < 60) return `${seconds} s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`
  return `${Math.floor(seconds / 3600)} h`
}

/** "caps sha-1 q07IKJEyjvHSyhy//CH0CxmKi8w=" -> "sha-1 q07IKJEy…" (the whole hash goes in a title). */
export function shortHash(hash: string): string {
  const [, algo = '', value = ''] = hash.split(' ')
  return `${algo} ${value.length > 10 ? `${value.slice(0, 10)}…` : value}`
}

/** "1 feature", "3 features"; `many` for nouns whose plural is not noun + s. */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`
}

/** Whether any of `values` contains `filter` (case-insensitive); an empty filter matches everything. */
export function matches(filter: string, ...values: (string | undefined)[]): boolean {
  if (filter === '') return true
  const needle = filter.toLowerCase()
  return values.some((value) => value?.toLowerCase().includes(needle))
}
