// The lab view's workspace pane: a tab per terminal of the lab, a "+" menu (VM shell, host
// shell), a split toggle for two terminals side by side, and an empty state with buttons to open
// the first one. Every terminal of the lab stays mounted (hidden ones keep drawing their output
// off screen), so switching tabs is instant and nothing is lost.
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode, type RefObject } from 'react'
import type { TerminalInfo, TerminalKind } from '../../../electron/core/api'
import type { ErrorInfo } from '../../../electron/core/errors'
import { ErrorPanel } from '../components/ErrorPanel'
import { Menu } from './Menu'
import { KIND_LABEL, useTerminals } from './TerminalsProvider'
import { TerminalView, workspaceShortcut } from './TerminalView'

export function TerminalWorkspace(): ReactNode {
  const api = useTerminals()
  const { terminals, layout, activeId, listError, actionError, vmShell, defaultKind } = api
  const [menuAt, setMenuAt] = useState<{ x: number; y: number } | null>(null)
  const [opening, setOpening] = useState<TerminalKind | null>(null)
  const plus = useRef<HTMLButtonElement>(null)
  const tabs = useRef<HTMLDivElement>(null)

  const openKind = (kind: TerminalKind): void => {
    setOpening(kind)
    void api.open(kind).then((info) => {
      setOpening(null)
      if (info) api.focus(info.id)
    })
  }
  const focusTerminal = (id: string): void => api.focus(id)
  const focusTab = (id: string): void => {
    tabs.current?.querySelector<HTMLElement>(`[role="tab"][data-terminal-id="${CSS.escape(id)}"]`)?.focus()
  }

  // Ctrl+Shift+` opens a terminal, Ctrl+Shift+5 splits, anywhere in the lab view.
  const shortcuts = useRef({ open: openKind, toggleSplit: api.toggleSplit, defaultKind, has: (terminals?.length ?? 0) > 0 })
  shortcuts.current = { open: openKind, toggleSplit: api.toggleSplit, defaultKind, has: (terminals?.length ?? 0) > 0 }
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent): void => {
      const action = workspaceShortcut(event)
      if (!action) return
      event.preventDefault()
      if (action === 'new') shortcuts.current.open(shortcuts.current.defaultKind)
      else if (shortcuts.current.has) shortcuts.current.toggleSplit()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const openMenu = (): void => {
    const rect = plus.current!.getBoundingClientRect()
    setMenuAt({ x: rect.left, y: rect.bottom + 4 })
  }

  const list = terminals ?? []
  const empty = terminals !== null && list.length === 0

  const menu = menuAt && (
    <Menu
      label="New terminal"
      at={menuAt}
      onClose={() => setMenuAt(null)}
      returnFocus={() => plus.current?.focus()}
      testId="new-terminal-menu"
      items={[
        { id: 'vm', label: 'VM shell', hint: vmShell.available ? undefined : vmShell.reason, disabled: !vmShell.available, onSelect: () => openKind('vm') },
        { id: 'host', label: 'Host shell', hint: 'A shell on this computer, not in the VM', onSelect: () => openKind('host') },
      ]}
    />
  )

  return (
    <section className="workspace terminals" aria-label="Workspace">
      <div className="terminal-toolbar">
        <div ref={tabs} className="terminal-tabs" role="tablist" aria-label="Terminals">
          {list.map((info, index) => (
            <TerminalTab
              key={info.id}
              info={info}
              index={index}
              all={list}
              shown={layout.panes.includes(info.id)}
              active={info.id === activeId}
              onFocusTab={focusTab}
              onFocusTerminal={focusTerminal}
            />
          ))}
        </div>
        <div className="terminal-actions">
          <button
            ref={plus}
            type="button"
            className="icon-button"
            aria-label="New terminal"
            aria-haspopup="menu"
            aria-expanded={menuAt !== null}
            title="New terminal (Ctrl+Shift+`)"
            data-testid="new-terminal"
            onClick={() => (menuAt ? setMenuAt(null) : openMenu())}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown') {
                e.preventDefault()
                openMenu()
              }
            }}
          >
            <PlusIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Split: two terminals side by side"
            aria-pressed={layout.split}
            title={layout.split ? 'Back to one terminal (Ctrl+Shift+5)' : 'Two terminals side by side (Ctrl+Shift+5)'}
            disabled={list.length === 0}
            data-testid="split-toggle"
            onClick={api.toggleSplit}
          >
            <SplitIcon />
          </button>
        </div>
      </div>
      {actionError && (
        <div className="terminal-error">
          <ErrorPanel error={actionError} action={<button type="button" className="ghost small" onClick={api.dismissError}>Dismiss</button>} />
        </div>
      )}
      <TerminalBody
        empty={empty}
        listError={listError !== null && terminals === null ? listError : null}
        onOpen={openKind}
        opening={opening}
        onLeave={(id) => focusTab(id)}
      />
      {menu}
    </section>
  )
}

function TerminalTab(props: {
  info: TerminalInfo
  index: number
  all: TerminalInfo[]
  shown: boolean
  active: boolean
  onFocusTab(id: string): void
  onFocusTerminal(id: string): void
}): ReactNode {
  const { info, index, all, shown, active, onFocusTab, onFocusTerminal } = props
  const api = useTerminals()
  const [renaming, setRenaming] = useState(false)
  const exited = info.exitCode !== null
  const disconnected = info.kind === 'vm' && !info.connected && !exited

  const move = (to: number): void => {
    const target = all[(to + all.length) % all.length]
    if (!target) return
    api.show(target.id)
    requestAnimationFrame(() => onFocusTab(target.id))
  }

  const closeTab = (): void => {
    const neighbour = all[index + 1] ?? all[index - 1]
    api.close(info.id)
    if (neighbour) requestAnimationFrame(() => onFocusTab(neighbour.id))
  }

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (renaming) return
    if (event.key === 'ArrowRight') move(index + 1)
    else if (event.key === 'ArrowLeft') move(index - 1)
    else if (event.key === 'Home') move(0)
    else if (event.key === 'End') move(all.length - 1)
    else if (event.key === 'Enter' || event.key === ' ') {
      api.show(info.id)
      onFocusTerminal(info.id)
    } else if (event.key === 'F2') setRenaming(true)
    else if (event.key === 'Delete') closeTab()
    else return
    event.preventDefault()
  }

  const status = exited ? `exited with code ${info.exitCode}` : disconnected ? 'reconnecting to the VM' : ''
  const classes = ['terminal-tab', shown ? 'shown' : '', active ? 'active' : '', exited ? 'exited' : ''].filter(Boolean).join(' ')

  return (
    <div
      role="tab"
      className={classes}
      aria-selected={shown}
      tabIndex={active ? 0 : -1}
      data-terminal-id={info.id}
      aria-controls={`terminal-panel-${info.id}`}
      data-testid="terminal-tab"
      title={`${info.title} · ${KIND_LABEL[info.kind]}${status ? ` · ${status}` : ''}\nDouble-click or F2 to rename, Delete to close`}
      onClick={(event) => {
        if (renaming) return
        // The second click of a double-click (rename) must not send the focus to the terminal.
        api.show(info.id, event.detail < 2)
      }}
      onDoubleClick={() => {
        api.focus(null) // the first click's "focus the terminal" would end the rename at once
        setRenaming(true)
      }}
      onKeyDown={onKeyDown}
    >
      <span className={`tab-icon ${info.kind}`} aria-hidden="true">{info.kind === 'vm' ? <VmIcon /> : <ShellIcon />}</span>
      {renaming ? (
        <RenameInput
          value={info.title}
          onDone={(title) => {
            setRenaming(false)
            if (title && title !== info.title) api.rename(info.id, title)
            requestAnimationFrame(() => onFocusTab(info.id))
          }}
        />
      ) : (
        <span className="tab-title">{info.title}</span>
      )}
      {status && <span className="visually-hidden">, {status}</span>}
      {exited && <span className="tab-badge" aria-hidden="true">exited {info.exitCode}</span>}
      {disconnected && <span className="tab-dot" aria-hidden="true" title="Reconnecting to the VM" />}
      <button
        type="button"
        className="tab-close"
        tabIndex={-1}
        aria-label={`Close ${info.title}`}
        title="Close (Delete)"
        onClick={(e) => {
          e.stopPropagation()
          closeTab()
        }}
        onDoubleClick={(e) => e.stopPropagation()}
      >
        ×
      </button>
    </div>
  )
}

function RenameInput({ value, onDone }: { value: string; onDone(title: string | null): void }): ReactNode {
  const [text, setText] = useState(value)
  const done = useRef(false)
  const finish = (title: string | null): void => {
    if (done.current) return
    done.current = true
    onDone(title)
  }
  return (
    <input
      className="tab-rename"
      aria-label="Terminal name"
      value={text}
      maxLength={60}
      autoFocus
      onFocus={(e) => e.currentTarget.select()}
      onChange={(e) => setText(e.target.value)}
      onClick={(e) => e.stopPropagation()}
      onDoubleClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => {
        e.stopPropagation()
        if (e.key === 'Enter') finish(text.trim() || null)
        else if (e.key === 'Escape') finish(null)
      }}
      onBlur={() => finish(text.trim() || null)}
      size={Math.max(6, Math.min(24, text.length + 1))}
    />
  )
}

function TerminalBody(props: {
  empty: boolean
  listError: ErrorInfo | null
  onOpen(kind: TerminalKind): void
  opening: TerminalKind | null
  onLeave(id: string): void
}): ReactNode {
  const { empty, listError, onOpen, opening, onLeave } = props
  const api = useTerminals()
  const { terminals, layout, vmShell } = api
  const body = useRef<HTMLDivElement>(null)

  useEffect(() => {
    api.setBody(body.current)
    return () => api.setBody(null)
  }, [api.setBody])

  const split = layout.split
  const style = split ? { gridTemplateColumns: `minmax(0, ${layout.percent}fr) 6px minmax(0, ${100 - layout.percent}fr)` } : undefined

  return (
    <div ref={body} className={['terminal-body', split ? 'split' : '', empty || listError ? 'empty' : ''].filter(Boolean).join(' ')} style={style} aria-busy={terminals === null && !listError}>
      {listError && (
        <div className="terminal-empty">
          <ErrorPanel error={listError} />
        </div>
      )}
      {empty && <EmptyState vmShell={vmShell} onOpen={onOpen} opening={opening} />}
      {(terminals ?? []).map((info) => {
        const pane = layout.panes.indexOf(info.id)
        const visible = pane === 0 || (split && pane === 1)
        return (
          <div key={info.id} className="terminal-slot" hidden={!visible} style={visible ? { gridColumn: pane === 0 ? 1 : 3, gridRow: 1 } : undefined}>
            <TerminalView
              info={info}
              visible={visible}
              focused={split && visible && pane === layout.focus}
              onFocus={() => api.focusPane(pane === 1 ? 1 : 0)}
              onLeave={() => onLeave(info.id)}
            />
          </div>
        )
      })}
      {split && !layout.panes[1] && (
        <div className="terminal-slot terminal-opening" style={{ gridColumn: 3, gridRow: 1 }}>
          <span className="muted">Opening a terminal…</span>
        </div>
      )}
      {split && <PaneDivider percent={layout.percent} onChange={api.setSplitPercent} container={body} />}
    </div>
  )
}

function EmptyState(props: { vmShell: { available: boolean; reason: string }; onOpen(kind: TerminalKind): void; opening: TerminalKind | null }): ReactNode {
  const { vmShell, onOpen, opening } = props
  return (
    <div className="terminal-empty" data-testid="terminal-empty">
      <div className="workspace-icon" aria-hidden="true">›_</div>
      <h3>No terminal open</h3>
      <p className="muted">The lab’s commands run in a terminal: type them, or press <strong>Run</strong> on a command in the steps.</p>
      <div className="terminal-empty-actions">
        <span className="tooltip-host" title={vmShell.available ? 'A shell in the lab VM' : vmShell.reason}>
          <button type="button" className={vmShell.available ? undefined : 'ghost'} disabled={!vmShell.available || opening !== null} onClick={() => onOpen('vm')}>
            {opening === 'vm' ? 'Opening…' : 'Open VM shell'}
          </button>
        </span>
        <button type="button" className={vmShell.available ? 'ghost' : undefined} disabled={opening !== null} onClick={() => onOpen('host')}>
          {opening === 'host' ? 'Opening…' : 'Open host shell'}
        </button>
      </div>
      {!vmShell.available && (
        <p className="muted small terminal-empty-note">
          VM shell: {vmShell.reason.replace(/ \(Lab VM panel, Ctrl\+Shift\+V\)\.$/, '.')} <a href="#/vm">Open the Lab VM panel</a>
          <br />A host shell runs on this computer: fine for trying commands, but leave the faults to the VM.
        </p>
      )}
    </div>
  )
}

const KEYBOARD_STEP = 2

function PaneDivider({ percent, onChange, container }: { percent: number; onChange(percent: number): void; container: RefObject<HTMLDivElement | null> }): ReactNode {
  const dragging = useRef(false)
  const clamp = (value: number): number => Math.round(Math.min(80, Math.max(20, value)) * 10) / 10
  const onPointerDown = (event: PointerEvent<HTMLDivElement>): void => {
    dragging.current = true
    event.currentTarget.setPointerCapture(event.pointerId)
  }
  const onPointerMove = (event: PointerEvent<HTMLDivElement>): void => {
    if (!dragging.current || !container.current) return
    const rect = container.current.getBoundingClientRect()
    onChange(clamp(((event.clientX - rect.left) / rect.width) * 100))
  }
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key === 'ArrowLeft') onChange(clamp(percent - KEYBOARD_STEP))
    else if (event.key === 'ArrowRight') onChange(clamp(percent + KEYBOARD_STEP))
    else if (event.key === 'Home') onChange(20)
    else if (event.key === 'End') onChange(80)
    else return
    event.preventDefault()
  }
  return (
    <div
      className="split-divider terminal-divider"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the two terminals"
      aria-valuenow={Math.round(percent)}
      aria-valuemin={20}
      aria-valuemax={80}
      tabIndex={0}
      style={{ gridColumn: 2, gridRow: 1 }}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={() => (dragging.current = false)}
      onKeyDown={onKeyDown}
    />
  )
}

// ---- Icons (16 px, currentColor) --------------------------------------------------------

function PlusIcon(): ReactNode {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M8 3v10M3 8h10" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" fill="none" />
    </svg>
  )
}

function SplitIcon(): ReactNode {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <rect x="2" y="3" width="12" height="10" rx="1.5" stroke="currentColor" strokeWidth="1.4" fill="none" />
      <path d="M8 3v10" stroke="currentColor" strokeWidth="1.4" />
    </svg>
  )
}

function ShellIcon(): ReactNode {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M3 4.5 6.5 8 3 11.5M8 12h5" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" fill="none" />
    </svg>
  )
}

function VmIcon(): ReactNode {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <rect x="2" y="2.5" width="12" height="9" rx="1.5" stroke="currentColor" strokeWidth="1.4" fill="none" />
      <path d="M5.5 14h5M8 11.5V14" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
      <path d="M5 6l1.8 1.5L5 9" stroke="currentColor" strokeWidth="1.3" strokeLinecap="round" strokeLinejoin="round" fill="none" />
    </svg>
  )
}
