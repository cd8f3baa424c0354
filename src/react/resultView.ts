/**
 * resultView: a TanStack query result with properties of the library's own
 * (useHasFeature's `supported`, useDiscoItemsPages' `items` and `count`, a
 * disabled hook's `refetch`), without losing what TanStack knows of the
 * component.
 *
 * useQuery returns a result whose properties record being read (tracked
 * queries): TanStack then re-renders the component only when one it read
 * changes. A copy (`{ ...result }`) or Object.assign reads every property,
 * and a row showing one boolean would render again on every fetch. The view
 * reads each property through, when the component does.
 */
/** Omit applied to each member of a union (TanStack's results are unions on `status`). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export function resultView<R extends object, X extends object, O extends keyof R = never>(
  result: R,
  own: { [K in keyof X]: () => X[K] },
  hidden?: O,
): OmitEach<R, O> & X {
  const view = {}
  for (const key of Object.keys(result) as (keyof R)[]) {
    if (key === hidden || Object.hasOwn(own, key)) continue
    Object.defineProperty(view, key, { enumerable: true, get: () => result[key] })
  }
  for (const key of Object.keys(own) as (keyof X)[]) Object.defineProperty(view, key, { enumerable: true, get: own[key] })
  return view as OmitEach<R, O> & X
}
