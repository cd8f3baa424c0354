'use client'
import type { DiscoInfo } from '../core/model.js'
import type { OwnCaps } from './DevtoolsStore.js'
import { plural } from './format.js'

/** What our own DiscoServer answers at its root, and the caps vers it advertises. */
export function EntityPanel({ info, caps }: { info: DiscoInfo; caps: OwnCaps | undefined }) {
  return (
    <div className="rxd-dt-grid">
      <div>
        <section aria-label="Our identities">
          <div className="rxd-dt-section">
            <h3>Identities</h3>
            {info.identities.length}
          </div>
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
        </section>
        <section aria-label="Our entity capabilities">
          <div className="rxd-dt-section">
            <h3>Entity capabilities</h3>
            {caps ? 'on' : 'off'}
          </div>
          {caps ? (
            <ul className="rxd-dt-list">
              <li>
                node <code>{caps.node}</code>
              </li>
              {caps.versions.map((version, i) => (
                <li key={version.ver}>
                  <span className="rxd-dt-pill" data-tone={i === 0 ? 'ok' : ''}>
                    {i === 0 ? 'current' : 'previous'}
                  </span>{' '}
                  <code>{version.ver}</code>
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
          ) : (
            <p className="rxd-dt-empty">
              No <code>caps</code> on the DiscoProvider: peers ask our disco#info directly.
            </p>
          )}
        </section>
        {info.forms.length > 0 && (
          <section aria-label="Our forms">
            <div className="rxd-dt-section">
              <h3>Extended info</h3>
              {plural(info.forms.length, 'form')}
            </div>
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
          </section>
        )}
      </div>
      <section aria-label="Our features">
        <div className="rxd-dt-section">
          <h3>Features</h3>
          {info.features.length}
        </div>
        <ul className="rxd-dt-list rxd-dt-mono">
          {info.features.map((feature) => (
            <li key={feature}>{feature}</li>
          ))}
        </ul>
      </section>
    </div>
  )
}
