// The contact list: each available contact's row shows what its client
// supports, read from its disco#info. With entity capabilities on, contacts
// running one client version cost one query between them.
import { NS_SOFTWARE_INFO, getFormType, hasFeature } from '../../src/core/index.js'
import type { DiscoInfo } from '../../src/core/index.js'
import { useDiscoInfo } from '../../src/react/index.js'
import { CAPABILITY_ICONS, Icon } from './icons.js'
import type { ContactPresence } from './presenceBook.js'
import { CAPABILITY_LABELS, CONTACTS, FEATURES } from './verona.js'
import type { Capability, Contact } from './verona.js'

const CAPABILITIES = Object.keys(FEATURES) as Capability[]

/** "Montague Chat 2.1", from the XEP-0232 form of an info. */
export function softwareOf(info: DiscoInfo | undefined): string | undefined {
  const form = info?.forms.find((f) => getFormType(f) === NS_SOFTWARE_INFO)
  const value = (name: string) => form?.fields.find((f) => f.var === name)?.values[0]
  const software = value('software')
  return software && [software, value('software_version')].filter(Boolean).join(' ')
}

export function Avatar({ name, size = 36 }: { name: string; size?: number }) {
  const hue = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7)
  return (
    <span
      className="vc-avatar"
      aria-hidden="true"
      style={{ width: size, height: size, background: `linear-gradient(135deg, hsl(${hue} 70% 58%), hsl(${(hue + 40) % 360} 70% 48%))` }}
    >
      {name[0]}
    </span>
  )
}

/** The badges of what an info supports (or of every capability, `all`, marking the missing ones). */
export function Badges({ info, label, all = false }: { info: DiscoInfo; label: string; all?: boolean }) {
  return (
    <ul className="vc-badges" aria-label={label}>
      {CAPABILITIES.map((capability) => {
        const supported = hasFeature(info, FEATURES[capability])
        if (!supported && !all) return null
        return (
          <li key={capability} className="vc-badge" data-capability={capability} data-supported={supported} title={CAPABILITY_LABELS[capability]}>
            <Icon name={CAPABILITY_ICONS[capability]} size={13} />
            <span className={all ? undefined : 'vc-sr'}>{CAPABILITY_LABELS[capability]}</span>
          </li>
        )
      })}
    </ul>
  )
}

function ContactRow({ contact, presence, selected, onSelect }: { contact: Contact; presence: ContactPresence | undefined; selected: boolean; onSelect(): void }) {
  // Asked once the contact is available: its presence carries the caps that answer.
  const { data: info, isError } = useDiscoInfo(presence ? contact.jid : null)
  return (
    <li className="vc-contact" aria-current={selected} data-jid={contact.jid}>
      <span className="vc-avatar-wrap">
        <Avatar name={contact.name} />
        <span className="vc-presence" data-show={presence ? (presence.show ?? 'online') : 'offline'} />
      </span>
      <span className="vc-contact-text">
        {/* The whole row is its click target (the button's ::before covers it). */}
        <button type="button" className="vc-contact-name" onClick={onSelect}>
          {contact.name}
        </button>
        <span className="vc-contact-status">{presence ? (presence.status ?? 'Available') : 'Offline'}</span>
        <span className="vc-contact-client">{info ? softwareOf(info) : isError ? 'client unknown' : presence ? 'asking its client…' : ''}</span>
      </span>
      {info && <Badges info={info} label={`What ${contact.name}’s client supports`} />}
    </li>
  )
}

export function Roster({ presences, selected, onSelect }: { presences: ReadonlyMap<string, ContactPresence>; selected: string; onSelect(jid: string): void }) {
  const online = CONTACTS.filter((c) => presences.has(c.jid)).length
  return (
    <nav className="vc-roster" aria-label="Contacts">
      <h2 className="vc-heading">
        Contacts <span className="vc-count">{online} online</span>
      </h2>
      <ul>
        {CONTACTS.map((contact) => (
          <ContactRow
            key={contact.jid}
            contact={contact}
            presence={presences.get(contact.jid)}
            selected={contact.jid === selected}
            onSelect={() => onSelect(contact.jid)}
          />
        ))}
      </ul>
    </nav>
  )
}
