'use client'
// The pieces every devtools panel is made of.
import type { ReactNode } from 'react'

/** A small coloured label; `tone` picks the colour (ok, bad, warn, caps, info; none: grey). */
export function Pill({ tone = '', children }: { tone?: string | undefined; children: ReactNode }) {
  return (
    <span className="rxd-dt-pill" data-tone={tone}>
      {children}
    </span>
  )
}

/** A titled part of a panel (a region named `label`), with a short note beside the title. */
export function Section({ label, title, note, children }: { label: string; title: ReactNode; note?: ReactNode; children: ReactNode }) {
  return (
    <section aria-label={label}>
      <div className="rxd-dt-section">
        <h3>{title}</h3>
        {note}
      </div>
      {children}
    </section>
  )
}

export interface Column {
  title: ReactNode
  className?: string
  /** A tooltip saying what the column holds. */
  hint?: string
}

/** A table with a sticky header row; `children` are its body rows. */
export function Table({ columns, label, children }: { columns: (string | Column)[]; label?: string | undefined; children: ReactNode }) {
  return (
    <table className="rxd-dt-table" aria-label={label}>
      <thead>
        <tr>
          {columns.map((column, i) => {
            const { title, className, hint } = typeof column === 'string' ? { title: column } : column
            return (
              <th key={i} className={className} title={hint}>
                {title}
              </th>
            )
          })}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  )
}
