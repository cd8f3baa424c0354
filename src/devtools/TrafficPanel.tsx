'use client'
import type { ReactNode } from 'react'
import { clock, matches, plural, shortHash } from './format.js'
import { Pill, Table } from './parts.js'
import type { TrafficRow } from './TrafficLog.js'

type Tone = 'request' | 'served' | 'caps' | 'bad' | 'us' | 'action'

interface Line {
  event: string
  tone: Tone
  peer: ReactNode
  detail: ReactNode
  result: ReactNode
}

const pill = (tone: string, text: string): ReactNode => <Pill tone={tone}>{text}</Pill>

/** One row of the log, in the panel's columns. */
function line(row: TrafficRow): Line {
  switch (row.type) {
    case 'request': {
      const result =
        row.state === 'pending'
          ? pill('warn', 'waiting…')
          : row.state === 'answered'
            ? pill('ok', row.latency === undefined ? 'answered' : `${row.latency} ms`)
            : row.state === 'failed'
              ? pill('bad', row.error ?? 'failed')
              : pill('', `abandoned${row.latency === undefined ? '' : ` after ${row.latency} ms`}`)
      // Sent again after a stream resumption (its first write met the dying connection): still this one query.
      return {
        event: `→ ${row.kind}`,
        tone: row.state === 'failed' ? 'bad' : 'request',
        peer: row.to,
        detail: row.node,
        result: (
          <>
            {result} {row.reasked > 0 && pill('warn', `re-asked${row.reasked > 1 ? ` ×${row.reasked}` : ''}`)}
          </>
        ),
      }
    }
    case 'served':
      return {
        event: `← ${row.kind}`,
        tone: 'served',
        peer: row.from ?? 'our server',
        detail: <>asked us{row.node ? <> at {row.node}</> : null}</>,
        result: row.error ? pill('bad', row.error) : pill('ok', 'answered'),
      }
    case 'spoofed':
      return {
        event: '⚠ spoofed',
        tone: 'bad',
        peer: row.from ?? '(no from)',
        detail: `answered our request to ${row.to} (${row.id})`,
        result: pill('bad', 'ignored'),
      }
    case 'caps-verified':
    case 'caps-unverified':
      return {
        event: row.type === 'caps-verified' ? '✓ caps' : '✕ caps',
        tone: row.type === 'caps-verified' ? 'caps' : 'bad',
        peer: row.jid,
        detail: <span title={row.hash}>{shortHash(row.hash)}</span>,
        result: row.type === 'caps-verified' ? pill('caps', 'verified, shared') : pill('bad', `${row.outcome ?? 'unverified'}: this JID only`),
      }
    case 'caps-used':
      return {
        event: '≡ caps',
        tone: 'caps',
        peer: <span title={row.jids.join('\n')}>{row.jids.length === 1 ? row.jids[0] : `${row.jids[0] ?? ''} +${row.jids.length - 1}`}</span>,
        detail: <span title={row.hash}>{shortHash(row.hash)}</span>,
        result: pill('caps', `${plural(row.jids.length, 'JID')} from caps, nothing sent`),
      }
    case 'note':
      return {
        event: row.topic === 'action' ? '● devtools' : row.topic === 'ver' ? '◆ our caps' : '◆ our info',
        tone: row.topic === 'action' ? 'action' : 'us',
        peer: '',
        detail: row.text,
        result: null,
      }
  }
}

function rowText(row: TrafficRow): (string | undefined)[] {
  switch (row.type) {
    case 'request':
      return [row.to, row.node, row.kind]
    case 'served':
      return [row.from, row.node, row.kind]
    case 'spoofed':
      return [row.from, row.to]
    case 'caps-verified':
    case 'caps-unverified':
      return [row.jid, row.hash]
    case 'caps-used':
      return [...row.jids, row.hash]
    case 'note':
      return [row.text]
  }
}

const COLUMNS = [{ title: 'Time', className: 'rxd-dt-time' }, 'Event', 'Entity', 'Node · detail', { title: 'Result', className: 'rxd-dt-result' }]

/** The traffic log, newest first. */
export function TrafficPanel({ log, filter }: { log: readonly TrafficRow[]; filter: string }) {
  const rows = log.filter((row) => matches(filter, ...rowText(row))).reverse()
  if (rows.length === 0) {
    return <p className="rxd-dt-empty">{log.length === 0 ? 'No disco traffic yet: queries, answers and caps verifications appear here.' : 'Nothing matches the filter.'}</p>
  }
  return (
    <Table label="Disco traffic" columns={COLUMNS}>
      {rows.map((row) => {
        const { event, tone, peer, detail, result } = line(row)
        return (
          <tr key={row.key} data-type={row.type} data-state={row.type === 'request' ? row.state : undefined}>
            <td className="rxd-dt-time rxd-dt-mono">{clock(row.at)}</td>
            <td className="rxd-dt-event" data-tone={tone}>
              {event}
            </td>
            <td className="rxd-dt-mono rxd-dt-entity">{peer}</td>
            <td className="rxd-dt-mono rxd-dt-dim rxd-dt-detail">{detail}</td>
            <td className="rxd-dt-result">{result}</td>
          </tr>
        )
      })}
    </Table>
  )
}
