// The open conversation: call buttons behind <FeatureGate>, so a contact whose
// client cannot take a video call is never offered one; the composer's
// attachment button and the typing line likewise.
import type { ReactNode } from 'react'
import { FeatureGate, useDiscoInfo } from '../../src/react/index.js'
import { Icon } from './icons.js'
import type { ContactPresence } from './presenceBook.js'
import { Avatar, softwareOf } from './Roster.js'
import { FEATURES } from './verona.js'
import type { Contact } from './verona.js'

const SCRIPT: Record<string, [from: 'them' | 'me', text: string][]> = {
  Juliet: [
    ['them', 'O Romeo, Romeo! wherefore art thou Romeo?'],
    ['me', 'Call me but love, and I’ll be new baptized.'],
    ['them', 'Art thou not Romeo, and a Montague?'],
    ['me', 'Neither, fair saint, if either thee dislike.'],
  ],
  Mercutio: [['them', 'Come, we burn daylight, ho!']],
  Tybalt: [['them', 'Romeo, the love I bear thee can afford no better term than this.']],
  Nurse: [['them', 'Your love says, like an honest gentleman…']],
  Balthasar: [['them', 'News from Verona! How doth my lady?']],
  'Friar Laurence': [['them', 'Wisely and slow; they stumble that run fast.']],
}

/** A call button: enabled behind the gate, disabled (with why) otherwise. */
function CallButton({ jid, feature, label, icon, name }: { jid: string | null; feature: string; label: string; icon: ReactNode; name: string }) {
  const off = (why: string) => (
    <button type="button" className="vc-icon-button" disabled title={why} aria-label={`${label}: ${why}`}>
      {icon}
    </button>
  )
  return (
    <FeatureGate
      jid={jid}
      feature={feature}
      pending={off('checking…')}
      fallback={(error) => off(error ? 'cannot tell' : `${name}’s client cannot take ${label.toLowerCase()}s`)}
    >
      <button type="button" className="vc-icon-button" data-primary="true" aria-label={`${label} ${name}`} title={`${label} ${name}`}>
        {icon}
      </button>
    </FeatureGate>
  )
}

export function Conversation({ contact, presence }: { contact: Contact; presence: ContactPresence | undefined }) {
  const jid = presence ? contact.jid : null
  const { data: info } = useDiscoInfo(jid)
  const lines = SCRIPT[contact.name] ?? []
  return (
    <section className="vc-conversation" aria-label={`Conversation with ${contact.name}`}>
      <header className="vc-conversation-head">
        <Avatar name={contact.name} size={40} />
        <div className="vc-conversation-title">
          <h2>{contact.name}</h2>
          <p>
            <span className="vc-mono">{contact.jid}</span>
            {info && <> · {softwareOf(info)}</>}
          </p>
        </div>
        <div className="vc-actions">
          <CallButton jid={jid} feature={FEATURES.audio} label="Audio call" icon={<Icon name="phone" size={18} />} name={contact.name} />
          <CallButton jid={jid} feature={FEATURES.video} label="Video call" icon={<Icon name="video" size={18} />} name={contact.name} />
        </div>
      </header>
      <ol className="vc-messages">
        <li className="vc-day">Today</li>
        {lines.map(([from, text], i) => (
          <li key={i} className="vc-message" data-from={from}>
            {text}
          </li>
        ))}
        <FeatureGate jid={jid} feature={FEATURES.typing}>
          <li className="vc-typing">{contact.name} is typing…</li>
        </FeatureGate>
      </ol>
      <form className="vc-composer" onSubmit={(e) => e.preventDefault()}>
        <FeatureGate jid={jid} feature={FEATURES.files}>
          <button type="button" className="vc-icon-button" aria-label={`Send ${contact.name} a file`} title="Send a file">
            <Icon name="paperclip" size={18} />
          </button>
        </FeatureGate>
        <input className="vc-input" placeholder={`Message ${contact.name}`} aria-label={`Message ${contact.name}`} />
        <button type="submit" className="vc-icon-button" data-primary="true" aria-label="Send">
          <Icon name="send" size={18} />
        </button>
      </form>
    </section>
  )
}
