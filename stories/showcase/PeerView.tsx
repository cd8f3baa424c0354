// Juliet's own client, in its own DiscoProvider on her connection: what she
// sees of us. When our features change, our presence carries a new caps ver,
// her client asks us for it once, and this view follows.
import { entityCaps } from '../../src/core/caps/index.js'
import type { XmppClient } from '../../src/core/index.js'
import { DiscoProvider, useDiscoInfo } from '../../src/react/index.js'
import { Icon } from './icons.js'
import { usePresences } from './presenceBook.js'
import { Badges } from './Roster.js'
import { MONTAGUE_CHAT } from './verona.js'

/** Her client runs caps like ours (same options as setUpVerona gave her: one EntityCaps). */
const julietsCaps = entityCaps({ node: MONTAGUE_CHAT.node })

function SeenByJuliet({ juliet, me }: { juliet: XmppClient; me: string }) {
  // Asked once your presence (with its caps) has reached her, as her roster would.
  const online = usePresences(juliet).has(me)
  const { data: info, isFetching } = useDiscoInfo(online ? me : null)
  return (
    <>
      <p className="vc-hint">
        Her <strong>{MONTAGUE_CHAT.name}</strong> reads your caps: {isFetching ? 'asking for your new ver…' : 'up to date'}
      </p>
      {info ? <Badges info={info} label="What Juliet sees you support" all /> : <p className="vc-hint">Waiting for your presence…</p>}
    </>
  )
}

export function PeerView({ juliet, me }: { juliet: XmppClient; me: string }) {
  return (
    <section className="vc-card vc-peer" aria-label="Juliet’s view of you">
      <h2 className="vc-heading">
        <Icon name="device" size={15} /> Juliet’s view of you
      </h2>
      <DiscoProvider client={juliet} caps={julietsCaps}>
        <SeenByJuliet juliet={juliet} me={me} />
      </DiscoProvider>
    </section>
  )
}
