import { cleanup, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoClient, InvalidInputError, NS_DISCO_ITEMS } from '../../src/core/index.js'
import { useFindServices } from '../../src/react/index.js'
import type { UseFindServicesOptions, UseFindServicesResult } from '../../src/react/index.js'
import { asXmpp, latest, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'
import { UPLOAD, serviceWorld } from '../helpers/services.js'

afterEach(cleanup)

function Find({ feature, options, onResult }: { feature: string; options?: UseFindServicesOptions; onResult: (r: UseFindServicesResult) => void }) {
  const result = useFindServices(feature, options)
  onResult(result)
  return <p>{result.data?.map((s) => s.jid).join(' ') ?? `${result.checked}/${result.total ?? '?'}`}</p>
}

describe('useFindServices', () => {
  it('finds the services of our server that have the feature, at most 6 infos in flight', async () => {
    const { network, alice, queryClient } = setup()
    const { uploads, info } = serviceWorld(network, alice.jid.toString())
    const result = latest<UseFindServicesResult>()
    renderWithDisco(alice, <Find feature={UPLOAD} onResult={result.record} />, queryClient)
    expect(result.current?.isPending).toBe(true)
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.data?.map((s) => s.jid)).toEqual(uploads)
    expect(result.current?.data?.[0]).toMatchObject({ jid: 'service0.example.org', name: 'Service 0', info: { features: [UPLOAD] } })
    expect(result.current).toMatchObject({ checked: 20, total: 20, isError: false, error: null })
    await settle(20)
    expect(info.sent).toBe(20)
    expect(info.max).toBeLessThanOrEqual(6)
    expect(info.max).toBeGreaterThan(1)
    // The core counterpart shares the cache: nothing more on the wire but the failed info.
    const sent = alice.sent.length
    const found = await DiscoClient.for(asXmpp(alice), { queryClient }).findServices(UPLOAD)
    expect(found.map((s) => s.jid)).toEqual(uploads)
    expect(alice.sent.length - sent).toBe(1)
  })

  it('looks through another entity when given its jid, and is an error when its items fail', async () => {
    const { network, alice, queryClient } = setup()
    serviceWorld(network, alice.jid.toString(), 3)
    const result = latest<UseFindServicesResult>()
    renderWithDisco(alice, <Find feature={UPLOAD} options={{ jid: 'service1.example.org' }} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.data).toEqual([])
    cleanup()
    renderWithDisco(alice, <Find feature={UPLOAD} options={{ jid: 'nobody.example.org' }} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.error).toMatchObject({ condition: 'service-unavailable' })
    expect(result.current?.data).toBeUndefined()
  })

  it('is an InvalidInputError for an empty feature, nothing sent', async () => {
    const { alice, queryClient } = setup()
    const result = latest<UseFindServicesResult>()
    renderWithDisco(alice, <Find feature="" onResult={result.record} />, queryClient)
    await settle(20)
    expect(result.current?.error).toBeInstanceOf(InvalidInputError)
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(0)
  })
})
