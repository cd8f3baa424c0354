'use client'
import type { CapsSnapshot, CapsSnapshotHash, CapsSnapshotJid } from '../core/caps/CapsState.js'
import type { CacheEntry } from './DevtoolsStore.js'
import { matches, plural, shortHash } from './format.js'
import { Pill, Section, Table } from './parts.js'

function jidState(jid: CapsSnapshotJid, ownResult: boolean): { tone: string; text: string } {
  if (jid.verified) return { tone: 'caps', text: 'verified hash: shared' }
  if (jid.throttled) return { tone: 'bad', text: 'too many vers: ignored' }
  if (jid.legacy) return { tone: 'warn', text: 'legacy caps: its own query' }
  if (ownResult) return { tone: 'warn', text: 'unverified: its own result only' }
  return { tone: '', text: 'not asked yet' }
}

function HashRow({ hash, info, jids }: CapsSnapshotHash) {
  const identity = info.identities[0]
  return (
    <tr>
      <td className="rxd-dt-mono" title={hash}>
        {shortHash(hash)}
      </td>
      <td>
        {identity?.name ?? '—'} <span className="rxd-dt-dim rxd-dt-mono">{identity && `${identity.category}/${identity.type}`}</span>
      </td>
      <td className="rxd-dt-mono">{info.features.length}</td>
      <td>
        <div className="rxd-dt-chips">
          {jids.length === 0 && <span className="rxd-dt-dim">none online</span>}
          {jids.map((jid) => (
            <span key={jid} className="rxd-dt-chip rxd-dt-mono">
              {jid}
            </span>
          ))}
        </div>
      </td>
    </tr>
  )
}

export interface CapsPanelProps {
  peers: CapsSnapshot | undefined
  cache: CacheEntry[]
  filter: string
}

/** Peers' entity capabilities: verified hashes and who uses them, and every JID's caps. */
export function CapsPanel({ peers, cache, filter }: CapsPanelProps) {
  if (!peers) {
    return (
      <p className="rxd-dt-empty">
        Entity capabilities are off: pass <code>caps={'{entityCaps({ node })}'}</code> to the DiscoProvider (from{' '}
        <code>react-xmpp-disco/caps</code>) to see peers’ caps here.
      </p>
    )
  }
  const hashes = peers.hashes.filter((h) => matches(filter, h.hash, ...h.jids)).reverse()
  const jids = peers.jids.filter((j) => matches(filter, j.jid, j.node))
  const withInfo = new Set(cache.filter((entry) => entry.kind === 'info' && entry.node === undefined && entry.status === 'success').map((entry) => entry.jid))
  return (
    <>
      <Section
        label="Verified caps hashes"
        title="Verified hashes"
        note={`${plural(peers.hashes.length, 'hash', 'hashes')}, one query each, shared by every JID advertising them`}
      >
        {hashes.length === 0 ? (
          <p className="rxd-dt-empty">No hash verified yet.</p>
        ) : (
          <Table columns={['Hash', 'Client', 'Features', 'JIDs using it']}>
            {hashes.map((hash) => (
              <HashRow key={hash.hash} {...hash} />
            ))}
          </Table>
        )}
      </Section>
      <Section label="Caps per JID" title="Per JID" note={`${plural(peers.jids.length, 'JID')} with caps`}>
        {jids.length === 0 ? (
          <p className="rxd-dt-empty">No presence with caps received yet.</p>
        ) : (
          <Table columns={['JID', 'Queried at', 'State']}>
            {jids.map((jid) => {
              const { tone, text } = jidState(jid, withInfo.has(jid.jid))
              return (
                <tr key={jid.jid}>
                  <td className="rxd-dt-mono rxd-dt-entity">{jid.jid}</td>
                  <td className="rxd-dt-mono rxd-dt-dim">{jid.node ?? '—'}</td>
                  <td>
                    <Pill tone={tone}>{text}</Pill>
                  </td>
                </tr>
              )
            })}
          </Table>
        )}
      </Section>
    </>
  )
}
