// Romeo's session in the showcase and devtools stories: his contacts added to
// the story's network, then his first presence (the library adds his caps),
// which brings him theirs and gives them his.
import xml from '@xmpp/xml'
import { useEffect, useState } from 'react'
import { useExample, useWorld } from '../support/world.js'
import { setUpVerona } from './verona.js'
import type { Verona } from './verona.js'

export function useVerona(): Verona | null {
  const example = useExample()
  const { me } = useWorld()
  const [verona, setVerona] = useState<Verona | null>(null)
  useEffect(() => {
    // The contacts are entities of the story's network, made once it exists.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setVerona(setUpVerona(example))
  }, [example])
  useEffect(() => {
    if (verona) void me.send(xml('presence', {}, xml('show', {}, 'chat'), xml('status', {}, 'In the orchard')))
  }, [verona, me])
  return verona
}
