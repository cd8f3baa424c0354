// Our server, as a chat client uses disco on it: where to upload files and
// where the group chats are (useFindServices), and the rooms (DiscoBrowser).
import type { ReactNode } from 'react'
import { getFormType } from '../../src/core/index.js'
import { DiscoBrowser, useDiscoInfo, useFindServices } from '../../src/react/index.js'
import type { DiscoBrowserRow } from '../../src/react/index.js'
import { Icon } from './icons.js'

const UPLOAD = 'urn:xmpp:http:upload:0'
const MUC = 'http://jabber.org/protocol/muc'

function megabytes(bytes: string | undefined): string | undefined {
  const n = Number(bytes)
  return Number.isFinite(n) && n > 0 ? `${Math.round(n / 1048576)} MB` : undefined
}

function Service({ feature, title, icon }: { feature: string; title: string; icon: ReactNode }) {
  const { data, isPending, checked, total } = useFindServices(feature, { timeout: 1500 })
  const service = data?.[0]
  const limit = megabytes(service?.info.forms.find((f) => getFormType(f) === UPLOAD)?.fields.find((f) => f.var === 'max-file-size')?.values[0])
  return (
    <li className="vc-service" aria-label={title}>
      <span className="vc-service-icon">{icon}</span>
      <span>
        <strong>{title}</strong>
        <span className="vc-hint">
          {isPending
            ? `looking… (${checked} of ${total ?? '?'} services)`
            : service
              ? `${service.jid}${limit ? `, up to ${limit}` : ''}`
              : 'not on this server'}
        </span>
      </span>
    </li>
  )
}

/** What a room's disco#info says of it (XEP-0045 section 6.4 features), in a few words. */
const ROOM_TAGS: [feature: string, tag: string][] = [
  ['muc_public', 'public'],
  ['muc_membersonly', 'members only'],
  ['muc_persistent', 'persistent'],
  ['muc_hidden', 'hidden'],
]

/** A compact row of the rooms tree: the name, and the room's kind from its features. */
function roomRow({ item, expanded, info }: DiscoBrowserRow): ReactNode {
  const features = info.data?.features ?? []
  const tags = ROOM_TAGS.filter(([feature]) => features.includes(feature)).map(([, tag]) => tag)
  return (
    <span className="vc-room">
      <span aria-hidden="true">{expanded ? '▾' : '▸'}</span>
      <strong>{item.name ?? info.data?.identities.find((i) => i.name)?.name ?? item.jid}</strong>
      <span className="vc-room-tags">
        {info.isError ? info.error.message : !info.data ? '…' : tags.length > 0 ? tags.join(' · ') : info.data.identities[0]?.type}
      </span>
    </span>
  )
}

/** The rooms of the group-chat service found above: the same hook, so the same cache entries and nothing more sent. */
function Rooms() {
  const { data } = useFindServices(MUC, { timeout: 1500 })
  const muc = data?.[0]?.jid
  return muc ? <DiscoBrowser jid={muc} label="Rooms" className="vc-tree" timeout={1500} renderRow={roomRow} /> : null
}

export function ServerPanel({ server }: { server: string }) {
  const { data: info } = useDiscoInfo(server)
  const name = info?.identities.find((i) => i.name)?.name
  return (
    <section className="vc-card vc-server" aria-label="Your server">
      <h2 className="vc-heading">
        <Icon name="server" size={15} /> {name ?? server}
      </h2>
      <p className="vc-hint">
        <span className="vc-mono">{server}</span>
        {info && ` · ${info.features.length} features`}
      </p>
      <ul className="vc-services">
        <Service feature={UPLOAD} title="File uploads" icon={<Icon name="upload" size={16} />} />
        <Service feature={MUC} title="Group chats" icon={<Icon name="rooms" size={16} />} />
      </ul>
      <Rooms />
    </section>
  )
}
