// Line icons for the showcase (inline SVG: no icon font, no emoji font needed).
import type { Capability } from './verona.js'

/** Each icon's shapes on a 24 x 24 grid: paths, or rectangles as [x, y, width, height, radius]. */
const SHAPES = {
  phone: ['M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2'],
  video: [[2, 6, 14, 12, 2], 'm16 10 6-3v10l-6-3z'],
  paperclip: ['m21 11-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7'],
  checks: ['m2 12 5 5L18 6', 'm12 16 1 1L22 8'],
  typing: ['M4 5h16a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H9l-5 4V6a1 1 0 0 1 1-1', 'M8.5 11h.01M12 11h.01M15.5 11h.01'],
  send: ['M22 2 11 13', 'M22 2 15 22l-4-9-9-4z'],
  server: [[3, 3, 18, 7, 2], [3, 14, 18, 7, 2], 'M7 6.5h.01M7 17.5h.01'],
  upload: ['M12 15V3', 'm7 8 5-5 5 5', 'M4 15v4a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-4'],
  rooms: ['M4 9h16M4 15h16M10 3 8 21M16 3l-2 18'],
  device: [[6, 2, 12, 20, 2], 'M11 18h2'],
} satisfies Record<string, (string | [number, number, number, number, number])[]>

export type IconName = keyof typeof SHAPES

export function Icon({ name, size = 16 }: { name: IconName; size?: number | undefined }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {SHAPES[name].map((shape, i) =>
        typeof shape === 'string' ? (
          // Dots (a path of "h.01" segments) read better drawn thicker.
          <path key={i} d={shape} strokeWidth={shape.includes('h.01') ? 3 : undefined} />
        ) : (
          <rect key={i} x={shape[0]} y={shape[1]} width={shape[2]} height={shape[3]} rx={shape[4]} />
        ),
      )}
    </svg>
  )
}

/** The icon of each capability badge. */
export const CAPABILITY_ICONS: Record<Capability, IconName> = {
  audio: 'phone',
  video: 'video',
  files: 'paperclip',
  receipts: 'checks',
  typing: 'typing',
}
