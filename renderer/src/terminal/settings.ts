// Terminal preferences kept in this window's localStorage: the font size (Ctrl+= / Ctrl+- /
// Ctrl+0, shared by every terminal) and each lab's layout (tabs shown, split, focused pane).
import { useSyncExternalStore } from 'react'

export const DEFAULT_FONT_SIZE = 13
const MIN_FONT_SIZE = 8
const MAX_FONT_SIZE = 32
const FONT_SIZE_KEY = 'chaos-lab:terminal:font-size'

export const TERMINAL_FONT_FAMILY = "'JetBrains Mono', 'Cascadia Mono', 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace"

const listeners = new Set<() => void>()

function readFontSize(): number {
  const stored = Number(localStorage.getItem(FONT_SIZE_KEY))
  return Number.isInteger(stored) && stored >= MIN_FONT_SIZE && stored <= MAX_FONT_SIZE ? stored : DEFAULT_FONT_SIZE
}

let fontSize = readFontSize()

// Another window of the app changed it: follow.
window.addEventListener('storage', (event) => {
  if (event.key !== FONT_SIZE_KEY) return
  fontSize = readFontSize()
  listeners.forEach((l) => l())
})

export function getFontSize(): number {
  return fontSize
}

/** `delta` 0 resets to the default. */
export function changeFontSize(delta: number): void {
  const next = delta === 0 ? DEFAULT_FONT_SIZE : Math.min(MAX_FONT_SIZE, Math.max(MIN_FONT_SIZE, fontSize + delta))
  if (next === fontSize) return
  fontSize = next
  if (next === DEFAULT_FONT_SIZE) localStorage.removeItem(FONT_SIZE_KEY)
  else localStorage.setItem(FONT_SIZE_KEY, String(next))
  listeners.forEach((l) => l())
}

export function useFontSize(): number {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    getFontSize,
  )
}

/** Which terminals a lab's workspace shows. Ids that no longer exist are dropped on load. */
export interface Layout {
  /** Left (or only) pane, right pane (when split). */
  panes: [string | null, string | null]
  split: boolean
  /** The pane with the active terminal: the one Run and new tabs go to. */
  focus: 0 | 1
  /** Width of the left pane when split, in percent. */
  percent: number
}

export const EMPTY_LAYOUT: Layout = { panes: [null, null], split: false, focus: 0, percent: 50 }

const layoutKey = (labId: string): string => `chaos-lab:terminal:layout:${labId}`

export function loadLayout(labId: string): Layout {
  try {
    const raw = JSON.parse(localStorage.getItem(layoutKey(labId)) ?? 'null') as Partial<Layout> | null
    if (!raw || !Array.isArray(raw.panes)) return EMPTY_LAYOUT
    const id = (v: unknown): string | null => (typeof v === 'string' ? v : null)
    const percent = typeof raw.percent === 'number' && raw.percent >= 20 && raw.percent <= 80 ? raw.percent : 50
    return { panes: [id(raw.panes[0]), id(raw.panes[1])], split: raw.split === true, focus: raw.focus === 1 ? 1 : 0, percent }
  } catch {
    return EMPTY_LAYOUT
  }
}

export function saveLayout(labId: string, layout: Layout): void {
  localStorage.setItem(layoutKey(labId), JSON.stringify(layout))
}
