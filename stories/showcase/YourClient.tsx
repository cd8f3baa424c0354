// What our own client declares: one <Feature> per switch that is on. A change
// is a new caps ver on our presence; peers watching us ask for it once.
import { useState } from 'react'
import { Feature } from '../../src/react/index.js'
import { CAPABILITY_ICONS, Icon } from './icons.js'
import { CAPABILITY_LABELS, FEATURES } from './verona.js'
import type { Capability } from './verona.js'

const INITIAL: Record<Capability, boolean> = { audio: true, video: false, files: true, receipts: true, typing: true }

export function YourClient() {
  const [on, setOn] = useState(INITIAL)
  return (
    <section className="vc-card vc-settings" aria-label="Your client">
      <h2 className="vc-heading">Your client</h2>
      <p className="vc-hint">
        Each switch mounts a <code>&lt;Feature&gt;</code>: contacts see the change through your presence’s caps.
      </p>
      <ul>
        {(Object.keys(FEATURES) as Capability[]).map((capability) => (
          <li key={capability}>
            <label className="vc-switch">
              <Icon name={CAPABILITY_ICONS[capability]} size={15} />
              <span>{CAPABILITY_LABELS[capability]}</span>
              <input
                type="checkbox"
                role="switch"
                checked={on[capability]}
                onChange={(e) => {
                  const checked = e.target.checked
                  setOn((was) => ({ ...was, [capability]: checked }))
                }}
              />
            </label>
            {on[capability] && <Feature var={FEATURES[capability]} />}
          </li>
        ))}
      </ul>
    </section>
  )
}
