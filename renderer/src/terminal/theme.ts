// The xterm theme comes from the app's CSS variables (--term-*, defined per theme in
// styles.css), so terminals follow the light/dark switch like everything else.
import { useEffect, useState } from 'react'
import type { ITheme } from '@xterm/xterm'

const ANSI: (keyof ITheme)[] = [
  'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white',
  'brightBlack', 'brightRed', 'brightGreen', 'brightYellow', 'brightBlue', 'brightMagenta', 'brightCyan', 'brightWhite',
]

export function readTerminalTheme(): ITheme {
  const style = getComputedStyle(document.documentElement)
  const v = (name: string): string | undefined => style.getPropertyValue(name).trim() || undefined
  const theme: ITheme = {
    background: v('--term-bg'),
    foreground: v('--term-fg'),
    cursor: v('--term-cursor'),
    cursorAccent: v('--term-bg'),
    selectionBackground: v('--term-selection'),
    selectionInactiveBackground: v('--term-selection-inactive'),
    scrollbarSliderBackground: v('--term-scrollbar'),
    scrollbarSliderHoverBackground: v('--term-scrollbar-hover'),
    scrollbarSliderActiveBackground: v('--term-scrollbar-active'),
  }
  ANSI.forEach((key, index) => {
    ;(theme as Record<string, string | undefined>)[key] = v(`--term-ansi-${index}`)
  })
  return theme
}

/** Re-reads the theme whenever <html data-theme> changes. */
export function useTerminalTheme(): ITheme {
  const [theme, setTheme] = useState<ITheme>(readTerminalTheme)
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(readTerminalTheme()))
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] })
    setTheme(readTerminalTheme())
    return () => observer.disconnect()
  }, [])
  return theme
}
