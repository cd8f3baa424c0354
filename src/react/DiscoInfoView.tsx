'use client'
import { createElement } from 'react'
import type { ReactNode } from 'react'
import type { JidInput } from '../core/jid.js'
import { getFormType } from '../core/model.js'
import type { DataForm, DiscoIdentity, DiscoInfo } from '../core/model.js'
import { FORM_TYPE } from '../core/namespaces.js'
import { useDiscoInfo } from './useDiscoInfo.js'

interface CommonProps {
  /** Class of the root element (default "rxd-info"; parts have rxd-info-* classes). */
  className?: string | undefined
  /** Level of the section headings (default 3). */
  headingLevel?: 1 | 2 | 3 | 4 | 5 | 6 | undefined
  /** How a feature is shown (default: its var in <code>). */
  renderFeature?: ((feature: string) => ReactNode) | undefined
}

export interface DiscoInfoViewDataProps extends CommonProps {
  /** A disco#info result to show, e.g. from useDiscoInfo or DiscoClient.queryInfo. */
  info: DiscoInfo
  jid?: never
  node?: never
}

export interface DiscoInfoViewQueryProps extends CommonProps {
  info?: never
  /** The entity to ask (inside a DiscoProvider). */
  jid: JidInput
  /** Its node. */
  node?: string | undefined
  /** Milliseconds to wait for the reply (default 30000). */
  timeout?: number | undefined
  /** Shown while the answer is unknown (default "Loading…"). */
  pending?: ReactNode | undefined
  /** Shown when the query failed (default: the error's message, as an alert). */
  renderError?: ((error: Error) => ReactNode) | undefined
}

export type DiscoInfoViewProps = DiscoInfoViewDataProps | DiscoInfoViewQueryProps

/** Identities of one category/type, with their names per xml:lang. */
interface IdentityGroup {
  category: string
  type: string
  names: { name: string; lang: string | undefined }[]
}

function groupIdentities(identities: readonly DiscoIdentity[]): IdentityGroup[] {
  const groups = new Map<string, IdentityGroup>()
  for (const { category, type, name, lang } of identities) {
    const key = `${category}/${type}`
    let group = groups.get(key)
    if (!group) {
      group = { category, type, names: [] }
      groups.set(key, group)
    }
    if (name !== undefined) group.names.push({ name, lang })
  }
  return [...groups.values()]
}

function Heading({ level, children }: { level: number; children: ReactNode }) {
  return createElement(`h${level}`, { className: 'rxd-info-heading' }, children)
}

function FormView({ form }: { form: DataForm }) {
  const formType = getFormType(form) ?? '(no FORM_TYPE)'
  const fields = form.fields.filter((f) => f.var !== FORM_TYPE)
  return (
    <table className="rxd-info-form" aria-label={formType}>
      <caption>{formType}</caption>
      <tbody>
        {fields.map((field) => (
          <tr key={field.var}>
            <th scope="row">{field.label ?? field.var}</th>
            <td>
              {field.values.length === 1 ? (
                field.values[0]
              ) : (
                <ul>
                  {field.values.map((value, i) => (
                    <li key={i}>{value}</li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function InfoSections({ info, className = 'rxd-info', headingLevel = 3, renderFeature }: CommonProps & { info: DiscoInfo }) {
  const groups = groupIdentities(info.identities)
  return (
    <div className={className}>
      <section aria-label="Identities" className="rxd-info-identities">
        <Heading level={headingLevel}>Identities</Heading>
        <ul>
          {groups.map((group) => (
            <li key={`${group.category}/${group.type}`}>
              <code>
                {group.category}/{group.type}
              </code>
              {group.names.length > 0 && ': '}
              {group.names.map(({ name, lang }, i) => (
                <span key={lang ?? ''} className="rxd-info-name">
                  {i > 0 && ', '}
                  <span lang={lang}>{name}</span>
                  {lang !== undefined && <span className="rxd-info-lang"> ({lang})</span>}
                </span>
              ))}
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Features" className="rxd-info-features">
        <Heading level={headingLevel}>Features ({info.features.length})</Heading>
        <ul>
          {info.features.map((feature) => (
            <li key={feature}>{renderFeature ? renderFeature(feature) : <code>{feature}</code>}</li>
          ))}
        </ul>
      </section>
      {info.forms.length > 0 && (
        <section aria-label="Extended information" className="rxd-info-forms">
          <Heading level={headingLevel}>Extended information</Heading>
          {info.forms.map((form, i) => (
            <FormView key={i} form={form} />
          ))}
        </section>
      )}
    </div>
  )
}

function QueriedInfo({ jid, node, timeout, pending, renderError, ...common }: DiscoInfoViewQueryProps) {
  const query = useDiscoInfo(jid, { node, timeout })
  if (query.isError) {
    return renderError ? (
      <>{renderError(query.error)}</>
    ) : (
      <p role="alert" className="rxd-info-error">
        {query.error.message}
      </p>
    )
  }
  if (query.data === undefined) {
    return pending === undefined ? (
      <p role="status" className="rxd-info-pending">
        Loading…
      </p>
    ) : (
      <>{pending}</>
    )
  }
  return <InfoSections info={query.data} {...common} />
}

/**
 * Shows a disco#info result: identities (grouped by category/type, with
 * their names per language), features and extended-info forms (XEP-0128).
 * Give it `info`, or a `jid` (and `node`) to query inside a DiscoProvider.
 */
export function DiscoInfoView(props: DiscoInfoViewProps) {
  if (props.info !== undefined) {
    const { info, className, headingLevel, renderFeature } = props
    return <InfoSections info={info} {...{ className, headingLevel, renderFeature }} />
  }
  return <QueriedInfo {...props} />
}
