'use client'
import type { DiscoInfo } from '../core/model.js'
import type { OwnCaps } from './DevtoolsStore.js'
import { plural } from './format.js'
import { Pill, Section } from './parts.js'

function OurCaps({ caps }: { caps: OwnCaps }) {
  return (
    <ul className="rxd-dt-list">
      <li>
        node <code>{caps.node}</code>
      </li>
      {caps.versions.map((version, i) => (
        <li key={version.ver}>
          <Pill tone={i === 0 ? 'ok' : ''}>{i === 0 ? 'current' : 'previous'}</Pill> <code>{version.ver}</code>
          {version.hashes.map((h) => (
            <div key={h.algo} className="rxd-dt-dim">
              <code>
                {h.algo} {h.value}
              </code>
            </div>
          ))}
        </li>
      ))}
      {caps.versions.length === 0 && <li className="rxd-dt-dim">computing our ver…</li>}
    </ul>
  )
}

/** What our own DiscoServer answers at its root, and the caps vers it advertises. */
export function EntityPanel({ info, caps }: { info: DiscoInfo; caps: OwnCaps | undefined }) {
  return (
    <div className="rxd-dt-grid">
      <div>
        <Section label="Our identities" title="Identities" note={info.identities.length}>
          <ul className="rxd-dt-list">
            {info.identities.map((i) => (
              <li key={`${i.category}/${i.type}/${i.lang ?? ''}`}>
                <code>
                  {i.category}/{i.type}
                </code>{' '}
                {i.name && <>“{i.name}”</>} {i.lang && <span className="rxd-dt-dim">({i.lang})</span>}
              </li>
            ))}
          </ul>
        </Section>
        <Section label="Our entity capabilities" title="Entity capabilities" note={caps ? 'on' : 'off'}>
          {caps ? (
            <OurCaps caps={caps} />
          ) : (
            <p className="rxd-dt-empty">
              No <code>caps</code> on the DiscoProvider: peers ask our disco#info directly.
            </p>
          )}
        </Section>
        {info.forms.length > 0 && (
          <Section label="Our forms" title="Extended info" note={plural(info.forms.length, 'form')}>
            <ul className="rxd-dt-list">
              {info.forms.map((form, i) => (
                <li key={i}>
                  {form.fields.map((field) => (
                    <div key={field.var ?? ''}>
                      <code>{field.var}</code> <span className="rxd-dt-dim">{field.values.join(', ')}</span>
                    </div>
                  ))}
                </li>
              ))}
            </ul>
          </Section>
        )}
      </div>
      <Section label="Our features" title="Features" note={info.features.length}>
        <ul className="rxd-dt-list rxd-dt-mono">
          {info.features.map((feature) => (
            <li key={feature}>{feature}</li>
          ))}
        </ul>
      </Section>
    </div>
  )
}
