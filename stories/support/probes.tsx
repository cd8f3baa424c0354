// Small displays shared by the stories: what a hook returned, and how many
// requests a simulated entity received.
import type { UseQueryResult } from '@tanstack/react-query'
import type { DiscoInfo, DiscoItems } from '../../src/core/index.js'
import type { SimulatedEntity } from '../../src/testing/index.js'
import { useRequestCount } from './world.js'

/** The status line and error of a query. */
export function QueryStatus({ label, query }: { label: string; query: UseQueryResult<unknown, Error> }) {
  return (
    <div className="sb-status">
      <strong>{label}</strong> — status: <output aria-label={`${label} status`}>{query.status}</output>
      {query.isFetching && ' (fetching)'}
      {query.isError && (
        <p role="alert" className="rxd-info-error">
          {query.error.name}: {query.error.message}
        </p>
      )}
    </div>
  )
}

export function InfoSummary({ label, query }: { label: string; query: UseQueryResult<DiscoInfo, Error> }) {
  const info = query.data
  return (
    <section aria-label={label} className="sb-probe">
      <QueryStatus label={label} query={query} />
      {info && (
        <ul>
          {info.identities.map((i) => (
            <li key={`${i.category}/${i.type}/${i.lang ?? ''}`}>
              identity <code>{`${i.category}/${i.type}`}</code>
              {i.name !== undefined && ` “${i.name}”`}
              {i.lang !== undefined && ` (${i.lang})`}
            </li>
          ))}
          <li>
            {info.features.length} {info.features.length === 1 ? 'feature' : 'features'}
          </li>
        </ul>
      )}
    </section>
  )
}

export function ItemsSummary({ label, query }: { label: string; query: UseQueryResult<DiscoItems, Error> }) {
  const items = query.data?.items
  return (
    <section aria-label={label} className="sb-probe">
      <QueryStatus label={label} query={query} />
      {items &&
        (items.length === 0 ? (
          <p>no items</p>
        ) : (
          <ul aria-label={`${label} items`}>
            {items.map((item) => (
              <li key={`${item.jid} ${item.node ?? ''}`}>
                {item.name ?? item.jid} <code>{item.jid}</code>
                {item.node !== undefined && (
                  <>
                    {' '}
                    node <code>{item.node}</code>
                  </>
                )}
              </li>
            ))}
          </ul>
        ))}
    </section>
  )
}

/** "example.org received N requests": the simulated entity's IQ counter. */
export function RequestCounter({ entity, ns }: { entity: SimulatedEntity; ns?: string }) {
  const count = useRequestCount(entity, ns)
  const what = `${ns === undefined ? 'IQ' : (ns.split('#')[1] ?? ns)} ${count === 1 ? 'request' : 'requests'}`
  return (
    <p className="sb-counter">
      <output aria-label={`requests received by ${entity.jid.toString()}`}>{count}</output> {what} received by{' '}
      <code>{entity.jid.toString()}</code>
    </p>
  )
}
