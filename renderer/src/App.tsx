import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react'
import type { Settings } from '../../electron/core/api'
import { useClient, useSnapshot } from './api/hooks'
import { StatusBar } from './components/StatusBar'
import { HaltButton } from './lab/HaltButton'
import { Catalogue } from './views/Catalogue'
import { LabView } from './views/LabView'
import { VmPanel } from './views/VmPanel'
import { ExperimentsView } from './views/Experiments'
import { LabPacksView } from './views/LabPacks'

type Route = { view: 'catalogue' } | { view: 'lab'; id: string } | { view: 'vm' } | { view: 'experiments' } | { view: 'packs' }

const VM_ROUTE = '#/vm'
const EXPERIMENTS_ROUTE = '#/experiments'
const PACKS_ROUTE = '#/packs'

// Hash routes work the same from file:// (Electron) and http:// (browser host).
function readRoute(): Route {
  if (location.hash === VM_ROUTE) return { view: 'vm' }
  if (location.hash === EXPERIMENTS_ROUTE) return { view: 'experiments' }
  if (location.hash === PACKS_ROUTE) return { view: 'packs' }
  const match = /^#\/labs\/([a-z0-9-]+)$/.exec(location.hash)
  return match ? { view: 'lab', id: match[1]! } : { view: 'catalogue' }
}

const openVmPanel = (): void => {
  location.hash = VM_ROUTE
}

const THEME_ORDER: Settings['theme'][] = ['system', 'light', 'dark']

export function App(): ReactNode {
  const client = useClient()
  const [route, setRoute] = useState<Route>(readRoute)
  const [settings] = useSnapshot((c) => c.call('settings:get'), ['settings:changed'], [])
  const [showShortcuts, setShowShortcuts] = useState(false)
  const theme = settings.status === 'ready' ? settings.value.theme : 'system'

  useEffect(() => {
    const onHash = (): void => setRoute(readRoute())
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])

  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)')
    const apply = (): void => {
      document.documentElement.dataset.theme = theme === 'system' ? (media.matches ? 'dark' : 'light') : theme
    }
    apply()
    media.addEventListener('change', apply)
    return () => media.removeEventListener('change', apply)
  }, [theme])

  const cycleTheme = useCallback(() => {
    const next = THEME_ORDER[(THEME_ORDER.indexOf(theme) + 1) % THEME_ORDER.length]!
    void client.call('settings:update', { theme: next })
  }, [client, theme])

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.ctrlKey && event.shiftKey && event.key.toLowerCase() === 'l') {
        event.preventDefault()
        cycleTheme()
      } else if (event.ctrlKey && event.shiftKey && event.key.toLowerCase() === 'v' && !isTextField(event.target)) {
        // Not inside text fields: there Ctrl+Shift+V is "paste as plain text" (and in a
        // terminal, paste), which matters more than a shortcut to a panel.
        event.preventDefault()
        setShowShortcuts(false)
        openVmPanel()
      } else if (event.key === '?' && !isTextField(event.target)) {
        setShowShortcuts((v) => !v)
      } else if (event.key === 'Escape') {
        setShowShortcuts(false)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [cycleTheme])

  const openLab = useCallback((id: string) => {
    location.hash = `#/labs/${id}`
  }, [])
  const backToCatalogue = useCallback(() => {
    location.hash = '#/'
  }, [])

  return (
    <div className="app">
      <header className="app-bar">
        <a className="brand" href="#/" aria-label="Chaos Lab, back to the labs">
          <span className="brand-mark" aria-hidden="true" />
          Chaos Lab
        </a>
        <span className="spacer" />
        <a className="app-bar-link" href={EXPERIMENTS_ROUTE} aria-current={route.view === 'experiments' ? 'page' : undefined} title="Import and run Chaos Toolkit experiments">
          Experiments
        </a>
        <a className="app-bar-link" href={PACKS_ROUTE} aria-current={route.view === 'packs' ? 'page' : undefined} title="Add or remove folders of labs (classroom packs)">
          Lab packs
        </a>
        <a className="app-bar-link" href={VM_ROUTE} aria-current={route.view === 'vm' ? 'page' : undefined} title="Lab VM (Ctrl+Shift+V)">
          Lab VM
        </a>
        <button type="button" className="ghost small" onClick={cycleTheme} title="Switch theme (Ctrl+Shift+L)" data-testid="theme-toggle">
          Theme: {theme}
        </button>
        <HaltButton />
      </header>
      <div className="app-body">
        {route.view === 'catalogue' && <Catalogue onOpen={openLab} onOpenVm={openVmPanel} />}
        {route.view === 'lab' && <LabView key={route.id} labId={route.id} onBack={backToCatalogue} />}
        {route.view === 'vm' && <VmPanel onBack={backToCatalogue} />}
        {route.view === 'experiments' && <ExperimentsView onBack={backToCatalogue} />}
        {route.view === 'packs' && <LabPacksView onBack={backToCatalogue} />}
      </div>
      <StatusBar onShowShortcuts={() => setShowShortcuts(true)} onOpenVm={openVmPanel} />
      {showShortcuts && <ShortcutsDialog onClose={() => setShowShortcuts(false)} />}
    </div>
  )
}

const SHORTCUTS: [string, string][] = [
  ['/', 'Filter the labs'],
  ['← ↑ → ↓', 'Move between lab cards'],
  ['Enter', 'Open the focused lab'],
  ['] or Alt+↓', 'Next step'],
  ['[ or Alt+↑', 'Previous step'],
  ['Esc', 'Back to the labs'],
  ['← → on the divider', 'Resize the panes'],
  ['Ctrl+Enter', 'Run the step’s check (or save the prediction you are typing)'],
  ['Ctrl+Shift+H', 'Halt: revert every fault, from anywhere'],
  ['Ctrl+Shift+`', 'New terminal (in a lab)'],
  ['Ctrl+Shift+5', 'Two terminals side by side'],
  ['Ctrl+Shift+G', 'Show or hide the live charts (in a lab)'],
  ['Space or P', 'Pause or resume the focused charts; drag to zoom, double-click to reset'],
  ['F6', 'From a terminal back to its tab'],
  ['F2 / Delete', 'Rename / close the focused tab'],
  ['Ctrl+Shift+F', 'Find in the terminal'],
  ['Ctrl+Shift+C / V', 'Copy / paste in the terminal'],
  ['Ctrl+= / − / 0', 'Terminal font size'],
  ['Ctrl+Shift+V', 'Open the lab VM panel (outside terminals)'],
  ['Ctrl+Shift+L', 'Switch theme'],
  ['?', 'Show or hide this list'],
]

function ShortcutsDialog({ onClose }: { onClose: () => void }): ReactNode {
  // Escape closes the dialog and nothing else: caught first (capture phase on window) and
  // stopped, so the view behind it (the lab view goes back on Escape) never sees it.
  const onCloseRef = useRef(onClose)
  onCloseRef.current = onClose
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape') return
      event.preventDefault()
      event.stopPropagation()
      onCloseRef.current()
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [])
  return (
    <div className="overlay" role="presentation" onClick={onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <dl className="shortcuts">
          {SHORTCUTS.map(([keys, what]) => (
            <div key={keys}><dt><kbd>{keys}</kbd></dt><dd>{what}</dd></div>
          ))}
        </dl>
        <button type="button" autoFocus onClick={onClose}>Close</button>
      </div>
    </div>
  )
}

function isTextField(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null
  return Boolean(element && (['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName) || element.isContentEditable))
}
