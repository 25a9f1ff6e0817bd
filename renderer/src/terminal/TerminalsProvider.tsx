// The lab's terminals as one piece of state shared by the workspace (tabs and panes) and the
// steps (the Run buttons of command blocks). The sessions themselves live in the core and
// survive a reload: this lists them, follows terminal:changed, and remembers which ones the
// workspace shows. Terminal output never passes through here (see TerminalView).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { TerminalInfo, TerminalKind } from '../../../electron/core/api'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient } from '../api/hooks'
import { useVmStatus } from '../api/vm'
import { getFontSize, loadLayout, saveLayout, TERMINAL_FONT_FAMILY, type Layout } from './settings'

/** What a mounted TerminalView lets the workspace do with it. */
export interface ViewHandle {
  /** Focuses the terminal now, or as soon as it is shown. */
  focus(): void
  /** Sends keyboard-like input, in order with what the user types. */
  input(data: string): void
  /** The terminal's size in cells, or null while it is hidden. */
  size(): { cols: number; rows: number } | null
}

export interface TerminalsApi {
  labId: string
  /** Terminals of this lab, oldest first; null until the first list arrives. */
  terminals: TerminalInfo[] | null
  listError: ErrorInfo | null
  /** The last failed action (open, close, rename, run), shown until dismissed. */
  actionError: ErrorInfo | null
  dismissError(): void
  layout: Layout
  /** The terminal Run sends to and new tabs replace: the one in the focused pane. */
  activeId: string | null
  vmShell: { available: boolean; reason: string }
  /** Preferred kind for a new terminal: a VM shell when one can be opened. */
  defaultKind: TerminalKind
  open(kind: TerminalKind, pane?: 0 | 1): Promise<TerminalInfo | null>
  close(id: string): void
  rename(id: string, title: string): void
  /** Brings a terminal into view (in the focused pane, or focuses the pane that has it). */
  show(id: string, focusTerminal?: boolean): void
  /** Focuses a terminal, now or as soon as its view is mounted; null cancels a focus on its way. */
  focus(id: string | null): void
  focusPane(pane: 0 | 1): void
  toggleSplit(): void
  setSplitPercent(percent: number): void
  /** Types `command` + Enter into the active terminal, opening one first if there is none. */
  run(command: string): Promise<void>
  registerView(id: string, handle: ViewHandle): () => void
  markAttached(id: string, attached: boolean): void
  setBody(element: HTMLElement | null): void
}

const TerminalsContext = createContext<TerminalsApi | null>(null)

export function useTerminals(): TerminalsApi {
  const api = useContext(TerminalsContext)
  if (!api) throw new Error('useTerminals outside <TerminalsProvider>')
  return api
}

/** For the Run buttons: null outside a lab (no workspace, so no Run). */
export function useTerminalRunner(): Pick<TerminalsApi, 'run' | 'activeId' | 'vmShell' | 'terminals'> | null {
  return useContext(TerminalsContext)
}

/** How long Run waits for a terminal it opened to be ready. */
const ATTACH_TIMEOUT_MS = 20_000

export const KIND_LABEL: Record<TerminalKind, string> = { vm: 'VM shell', host: 'Host shell' }

function byAge(a: TerminalInfo, b: TerminalInfo): number {
  return a.createdAt - b.createdAt
}

/** Makes a layout consistent with the terminals that exist. */
function reconcile(layout: Layout, terminals: TerminalInfo[]): Layout {
  const ids = terminals.map((t) => t.id)
  let [left, right] = layout.panes.map((id) => (id && ids.includes(id) ? id : null)) as [string | null, string | null]
  let { split, focus } = layout
  if (right === left) right = null
  const unshown = (): string | undefined => ids.find((id) => id !== left && id !== right)
  if (!left && right) [left, right] = [right, null]
  if (!left) left = unshown() ?? null
  if (split && !right) right = unshown() ?? null
  if (!right) split = false
  if (!split) focus = 0
  const same = left === layout.panes[0] && right === layout.panes[1] && split === layout.split && focus === layout.focus
  return same ? layout : { ...layout, panes: [left, split ? right : null], split, focus }
}

export function TerminalsProvider({ labId, children }: { labId: string; children: ReactNode }): ReactNode {
  const client = useClient()
  const vm = useVmStatus()
  const [all, setAll] = useState<TerminalInfo[] | null>(null)
  const [listError, setListError] = useState<ErrorInfo | null>(null)
  const [actionError, setActionError] = useState<ErrorInfo | null>(null)
  const [layout, setLayoutState] = useState<Layout>(() => loadLayout(labId))
  const views = useRef(new Map<string, ViewHandle>())
  const attached = useRef(new Set<string>())
  const attachWaiters = useRef(new Map<string, (() => void)[]>())
  const body = useRef<HTMLElement | null>(null)
  const layoutRef = useRef(layout)
  layoutRef.current = layout

  const setLayout = useCallback(
    (update: (layout: Layout) => Layout) => {
      setLayoutState((current) => {
        const next = update(current)
        if (next !== current) saveLayout(labId, next)
        return next
      })
    },
    [labId],
  )

  // The list: once, again after a reconnect, and replaced by every terminal:changed.
  useEffect(() => {
    let events = 0
    const load = (): void => {
      const before = events
      client.call('terminal:list').then(
        (list) => {
          // A terminal:changed that arrived meanwhile is at least as new as this answer.
          if (events === before) setAll(list)
          setListError(null)
        },
        (err: unknown) => setListError(toErrorInfo(err)),
      )
    }
    const offChanged = client.on('terminal:changed', ({ terminals }) => {
      events++
      setAll(terminals)
      setListError(null)
    })
    let wasOpen = true
    const offConnection = client.onConnection((state) => {
      if (state === 'open' && !wasOpen) load()
      wasOpen = state === 'open'
    })
    load()
    return () => {
      offChanged()
      offConnection()
    }
  }, [client])

  const terminals = useMemo(() => (all ? all.filter((t) => t.labId === labId).sort(byAge) : null), [all, labId])

  useEffect(() => {
    if (terminals) setLayout((current) => reconcile(current, terminals))
  }, [terminals, setLayout])

  const activeId = layout.panes[layout.split ? layout.focus : 0] ?? null
  const vmReady = vm.status === 'ready' && vm.value.state === 'running' && vm.value.connected
  const vmShell = useMemo(
    () => ({
      available: vmReady,
      reason: vmReady
        ? 'A shell in the lab VM'
        : vm.status === 'ready' && vm.value.state === 'running'
          ? 'The VM is running but Chaos Lab is not connected to it yet.'
          : 'Start the lab VM first (Lab VM panel, Ctrl+Shift+V).',
    }),
    [vmReady, vm],
  )
  const defaultKind: TerminalKind = vmReady ? 'vm' : 'host'

  /** A first size for a new terminal, so the shell starts at about the right width. */
  const estimateSize = useCallback((): { cols: number; rows: number } => {
    for (const id of layoutRef.current.panes) {
      const size = id ? views.current.get(id)?.size() : null
      if (size) return size
    }
    const element = body.current
    const fontSize = getFontSize()
    const context = document.createElement('canvas').getContext('2d')
    let cellWidth = fontSize * 0.6
    if (context) {
      context.font = `${fontSize}px ${TERMINAL_FONT_FAMILY}`
      cellWidth = context.measureText('W'.repeat(20)).width / 20 || cellWidth
    }
    const cellHeight = Math.ceil(fontSize * 1.2)
    const width = element ? element.clientWidth / (layoutRef.current.split ? 2 : 1) - 30 : 640
    const height = element ? element.clientHeight - 16 : 384
    return { cols: Math.max(20, Math.min(500, Math.floor(width / cellWidth))), rows: Math.max(5, Math.min(200, Math.floor(height / cellHeight))) }
  }, [])

  const upsert = useCallback((info: TerminalInfo) => {
    setAll((current) => (current && !current.some((t) => t.id === info.id) ? [...current, info] : current))
  }, [])

  const open = useCallback(
    async (kind: TerminalKind, pane?: 0 | 1): Promise<TerminalInfo | null> => {
      // "Host shell", then "Host shell 2", ...: the first name no tab of this lab has.
      const taken = new Set((terminals ?? []).map((t) => t.title))
      let title = KIND_LABEL[kind]
      for (let n = 2; taken.has(title); n++) title = `${KIND_LABEL[kind]} ${n}`
      try {
        const info = await client.call('terminal:open', { kind, labId, title, ...estimateSize() })
        upsert(info)
        setLayout((current) => {
          const target = pane ?? (current.split ? current.focus : 0)
          const panes: Layout['panes'] = [...current.panes]
          panes[target] = info.id
          return { ...current, panes, focus: current.split ? target : 0 }
        })
        setActionError(null)
        return info
      } catch (err) {
        setActionError(toErrorInfo(err))
        return null
      }
    },
    [client, labId, terminals, estimateSize, upsert, setLayout],
  )

  const close = useCallback(
    (id: string) => {
      client.call('terminal:close', { id }).catch((err: unknown) => setActionError(toErrorInfo(err)))
      // Show the neighbour at once rather than waiting for terminal:changed.
      setAll((current) => current?.filter((t) => t.id !== id) ?? null)
    },
    [client],
  )

  const rename = useCallback(
    (id: string, title: string) => {
      setAll((current) => current?.map((t) => (t.id === id ? { ...t, title } : t)) ?? null)
      client.call('terminal:rename', { id, title }).catch((err: unknown) => setActionError(toErrorInfo(err)))
    },
    [client],
  )

  /** A terminal to focus as soon as its view exists (a new one is not mounted yet). */
  const pendingFocus = useRef<string | null>(null)
  const focusView = useCallback((id: string | null): void => {
    pendingFocus.current = id
    if (id === null) return
    // The view focuses once it is shown, if it is still hidden now.
    requestAnimationFrame(() => {
      const view = views.current.get(id)
      if (!view || pendingFocus.current !== id) return
      pendingFocus.current = null
      view.focus()
    })
  }, [])

  const show = useCallback(
    (id: string, focusTerminal = false) => {
      setLayout((current) => {
        const inPane = current.panes.indexOf(id)
        if (current.split && inPane >= 0) return { ...current, focus: inPane as 0 | 1 }
        if (!current.split) return current.panes[0] === id ? current : { ...current, panes: [id, null] }
        const panes: Layout['panes'] = [...current.panes]
        panes[current.focus] = id
        return { ...current, panes }
      })
      if (focusTerminal) focusView(id)
    },
    [setLayout, focusView],
  )

  const focusPane = useCallback((pane: 0 | 1) => setLayout((current) => (current.split && current.focus !== pane ? { ...current, focus: pane } : current)), [setLayout])

  const toggleSplit = useCallback(() => {
    const current = layoutRef.current
    if (current.split) {
      const keep = current.panes[current.focus]
      setLayout((l) => ({ ...l, split: false, focus: 0, panes: [keep ?? l.panes[0], null] }))
      if (keep) focusView(keep)
      return
    }
    const other = (terminals ?? []).find((t) => t.id !== current.panes[0])
    if (other) {
      setLayout((l) => ({ ...l, split: true, focus: 1, panes: [l.panes[0], other.id] }))
      focusView(other.id)
    } else {
      const kind = (terminals ?? []).find((t) => t.id === current.panes[0])?.kind ?? defaultKind
      setLayout((l) => ({ ...l, split: true, focus: 1 }))
      void open(kind === 'vm' && !vmReady ? 'host' : kind, 1).then((info) => {
        if (info) focusView(info.id)
        else setLayout((l) => reconcile(l, terminals ?? []))
      })
    }
  }, [terminals, defaultKind, vmReady, open, setLayout, focusView])

  const setSplitPercent = useCallback((percent: number) => setLayout((l) => (l.percent === percent ? l : { ...l, percent })), [setLayout])

  const whenAttached = useCallback((id: string): Promise<void> => {
    if (attached.current.has(id)) return Promise.resolve()
    return new Promise((resolve) => {
      const waiters = attachWaiters.current.get(id) ?? []
      waiters.push(resolve)
      attachWaiters.current.set(id, waiters)
    })
  }, [])

  const markAttached = useCallback((id: string, isAttached: boolean) => {
    if (!isAttached) {
      attached.current.delete(id)
      return
    }
    attached.current.add(id)
    attachWaiters.current.get(id)?.forEach((resolve) => resolve())
    attachWaiters.current.delete(id)
  }, [])

  const run = useCallback(
    async (command: string) => {
      const live = (terminals ?? []).filter((t) => t.exitCode === null)
      let target = live.find((t) => t.id === activeId) ?? live.find((t) => layoutRef.current.panes.includes(t.id)) ?? live[live.length - 1]
      if (!target) {
        const opened = await open(defaultKind)
        if (!opened) return
        target = opened
      }
      const id = target.id
      show(id)
      const attachedInTime = await Promise.race([whenAttached(id).then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ATTACH_TIMEOUT_MS))])
      if (!attachedInTime) {
        setActionError({ code: 'internal', message: 'The terminal did not start in time, so the command was not run.', fix: 'Check the terminal, then press Run again.', details: [] })
        return
      }
      // Each line as if typed and followed by Enter.
      views.current.get(id)?.input(command.replace(/\r?\n/g, '\r') + '\r')
      focusView(id)
    },
    [terminals, activeId, open, defaultKind, show, whenAttached, focusView],
  )

  const registerView = useCallback((id: string, handle: ViewHandle) => {
    views.current.set(id, handle)
    if (pendingFocus.current === id) {
      pendingFocus.current = null
      handle.focus()
    }
    return () => {
      if (views.current.get(id) === handle) views.current.delete(id)
    }
  }, [])

  const setBody = useCallback((element: HTMLElement | null) => {
    body.current = element
  }, [])

  const api = useMemo<TerminalsApi>(
    () => ({
      labId,
      terminals,
      listError,
      actionError,
      dismissError: () => setActionError(null),
      layout,
      activeId,
      vmShell,
      defaultKind,
      open,
      close,
      rename,
      show,
      focus: focusView,
      focusPane,
      toggleSplit,
      setSplitPercent,
      run,
      registerView,
      markAttached,
      setBody,
    }),
    [labId, terminals, listError, actionError, layout, activeId, vmShell, defaultKind, open, close, rename, show, focusView, focusPane, toggleSplit, setSplitPercent, run, registerView, markAttached, setBody],
  )

  return <TerminalsContext.Provider value={api}>{children}</TerminalsContext.Provider>
}
