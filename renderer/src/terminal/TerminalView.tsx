// One terminal: an xterm attached to a session in the core. Output goes straight from the
// terminal:data listener into xterm (never through React state), and each chunk is
// acknowledged once xterm has parsed it, which is the core's flow control: a flood pauses the
// process instead of flooding the window.
import { FitAddon } from '@xterm/addon-fit'
import { SearchAddon } from '@xterm/addon-search'
import { WebLinksAddon } from '@xterm/addon-web-links'
import { WebglAddon } from '@xterm/addon-webgl'
import { Terminal } from '@xterm/xterm'
import '@xterm/xterm/css/xterm.css'
import { useCallback, useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type MouseEvent as ReactMouseEvent, type ReactNode } from 'react'
import type { TerminalInfo } from '../../../electron/core/api'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient } from '../api/hooks'
import { isHaltShortcut } from '../lab/shortcuts'
import { FindBar } from './FindBar'
import { Menu, type MenuItem } from './Menu'
import { changeFontSize, TERMINAL_FONT_FAMILY, useFontSize } from './settings'
import { useTerminalTheme } from './theme'
import { useTerminals } from './TerminalsProvider'

/** Send an ack at least this often while output is being drawn... */
const ACK_INTERVAL_MS = 50
/** ...or as soon as this much is waiting. The core pauses the process at ~100k unacknowledged. */
const ACK_THRESHOLD_CHARS = 10_000
const RESIZE_DEBOUNCE_MS = 50
/** Output is handed to xterm in pieces of at most this many characters. */
const WRITE_SLICE_CHARS = 16_384
/** The contract's limit for one terminal:input. */
const MAX_INPUT_CHARS = 65_536
const SCROLLBACK_LINES = 5000

/** After this many lost WebGL contexts in this window, stay on the DOM renderer. */
const MAX_WEBGL_LOSSES = 3
let webglLosses = 0
let webglUnsupported = false
let softwareGl: boolean | null = null

/**
 * WebGL drawn by the CPU (SwiftShader, llvmpipe: no GPU, or the GPU blocklisted) is several
 * times slower than the DOM renderer, so it only counts as "WebGL available" with a real GPU.
 * `chaos-lab:terminal:gpu` in localStorage overrides: 'on' always tries WebGL, 'off' never.
 */
function useWebgl(): boolean {
  const preference = localStorage.getItem('chaos-lab:terminal:gpu')
  if (preference === 'off' || webglUnsupported || webglLosses >= MAX_WEBGL_LOSSES) return false
  if (preference === 'on') return true
  if (softwareGl === null) {
    try {
      const gl = document.createElement('canvas').getContext('webgl2')
      const info = gl?.getExtension('WEBGL_debug_renderer_info')
      const renderer = gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : ''
      softwareGl = !gl || /swiftshader|llvmpipe|softpipe|software|basic render driver/i.test(renderer)
      gl?.getExtension('WEBGL_lose_context')?.loseContext()
    } catch {
      softwareGl = true
    }
  }
  return !softwareGl
}

const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform)

export type TerminalAction = 'copy' | 'paste' | 'find' | 'font-up' | 'font-down' | 'font-reset' | 'leave'

/** The terminal's own shortcuts (everything else goes to the shell). */
function terminalShortcut(event: KeyboardEvent): TerminalAction | null {
  const mod = IS_MAC ? event.metaKey : event.ctrlKey
  const key = event.key.toLowerCase()
  if (event.key === 'F6' && !event.ctrlKey && !event.altKey && !event.metaKey) return 'leave'
  if (!mod || event.altKey) return null
  if (event.shiftKey && key === 'c') return 'copy'
  if (event.shiftKey && key === 'v') return 'paste'
  if (event.shiftKey && key === 'f') return 'find'
  if (key === '=' || key === '+') return 'font-up'
  if (!event.shiftKey && key === '-') return 'font-down'
  if (!event.shiftKey && key === '0') return 'font-reset'
  return null
}

/** Workspace shortcuts: not for the shell, handled by the workspace as the event bubbles. */
export function workspaceShortcut(event: KeyboardEvent | ReactKeyboardEvent): 'new' | 'split' | null {
  if (!event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return null
  if (event.code === 'Backquote') return 'new'
  if (event.code === 'Digit5') return 'split'
  return null
}

/** The buffer (scrollback and screen, or its last `lastRows` rows) as text, trailing blanks trimmed. */
function bufferText(term: Terminal, lastRows?: number): string {
  const buffer = term.buffer.active
  const lines: string[] = []
  for (let y = lastRows ? Math.max(0, buffer.length - lastRows) : 0; y < buffer.length; y++) {
    const line = buffer.getLine(y)
    if (!line) continue
    if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += line.translateToString(true)
    else lines.push(line.translateToString(true))
  }
  return lines.join('\n').trimEnd()
}

interface Live {
  term: Terminal
  fit: FitAddon
  search: SearchAddon
  /** Fits the xterm to its box and tells the core when the size in cells changed. */
  fitNow(): void
}

export function TerminalView(props: {
  info: TerminalInfo
  visible: boolean
  /** The focused pane of a split (drawn with an accent). */
  focused: boolean
  onFocus(): void
  /** F6: move focus out of the terminal, to its tab. */
  onLeave(): void
}): ReactNode {
  const { info, visible, focused, onFocus, onLeave } = props
  const { id } = info
  const client = useClient()
  const { registerView, markAttached } = useTerminals()
  const theme = useTerminalTheme()
  const fontSize = useFontSize()
  const root = useRef<HTMLDivElement>(null)
  const host = useRef<HTMLDivElement>(null)
  const [live, setLive] = useState<Live | null>(null)
  const [attached, setAttached] = useState(false)
  const [attachError, setAttachError] = useState<ErrorInfo | null>(null)
  const [renderer, setRenderer] = useState<'webgl' | 'dom'>('dom')
  const [findOpen, setFindOpen] = useState(false)
  const [menuAt, setMenuAt] = useState<{ x: number; y: number } | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const exitShown = useRef(false)
  const focusWhenShown = useRef(false)
  const [retry, setRetry] = useState(0)

  // Latest values for the long-lived listeners set up once per terminal.
  const latest = useRef({ visible, theme, fontSize, onFocus, onLeave, title: info.title })
  latest.current = { visible, theme, fontSize, onFocus, onLeave, title: info.title }
  const actionRef = useRef<(action: TerminalAction) => void>(() => {})

  const showNotice = useCallback((text: string) => setNotice(text), [])
  useEffect(() => {
    if (!notice) return
    const timer = setTimeout(() => setNotice(null), 4000)
    return () => clearTimeout(timer)
  }, [notice])

  // ---- The xterm and its session: created once per terminal id --------------------------
  useEffect(() => {
    const element = host.current!
    let disposed = false
    const term = new Terminal({
      cols: info.cols,
      rows: info.rows,
      fontFamily: TERMINAL_FONT_FAMILY,
      fontSize: latest.current.fontSize,
      lineHeight: 1.15,
      theme: latest.current.theme,
      scrollback: SCROLLBACK_LINES,
      cursorBlink: true,
      cursorInactiveStyle: 'outline',
      // Search decorations are a "proposed" xterm API.
      allowProposedApi: true,
      minimumContrastRatio: 4.5,
      drawBoldTextInBrightColors: true,
      macOptionIsMeta: true,
      rightClickSelectsWord: false,
    })
    const fit = new FitAddon()
    const search = new SearchAddon({ highlightLimit: 1000 })
    term.loadAddon(fit)
    term.loadAddon(search)
    term.loadAddon(
      new WebLinksAddon(
        (event, uri) => {
          // Like VS Code: Ctrl+click (Cmd+click) follows a link, a plain click just selects.
          if (!(IS_MAC ? event.metaKey : event.ctrlKey)) return
          window.open(uri, '_blank', 'noopener,noreferrer')
        },
        {
          hover: (_event, text) => element.setAttribute('title', `${IS_MAC ? 'Cmd' : 'Ctrl'}+click to open ${text}`),
          leave: () => element.removeAttribute('title'),
        },
      ),
    )
    term.open(element)
    term.textarea?.setAttribute('aria-label', `Terminal ${latest.current.title}. F6 moves focus back to the tabs.`)
    const onTextareaFocus = (): void => latest.current.onFocus()
    term.textarea?.addEventListener('focus', onTextareaFocus)

    const setSizeAttributes = (): void => {
      root.current?.setAttribute('data-cols', String(term.cols))
      root.current?.setAttribute('data-rows', String(term.rows))
    }
    setSizeAttributes()
    const onResize = term.onResize(setSizeAttributes)

    term.attachCustomKeyEventHandler((event) => {
      const action = terminalShortcut(event)
      if (action) {
        if (event.type === 'keydown') {
          event.preventDefault()
          actionRef.current(action)
        }
        return false
      }
      // Leave the workspace's shortcuts to the workspace, and Halt to the app (they bubble up
      // from xterm's textarea): Halt must work from the terminal too, where faults are watched.
      return workspaceShortcut(event) === null && !isHaltShortcut(event)
    })

    // ---- Input: sent at once; keys typed while a send is in flight go together in the next.
    let pendingInput = ''
    let sending = false
    const sendInput = (): void => {
      if (sending || pendingInput === '' || disposed) return
      let data = pendingInput.slice(0, MAX_INPUT_CHARS)
      // Never split a surrogate pair across two sends.
      if (data.length === MAX_INPUT_CHARS && /[\uD800-\uDBFF]$/.test(data)) data = data.slice(0, -1)
      pendingInput = pendingInput.slice(data.length)
      sending = true
      client
        .call('terminal:input', { id, data })
        .catch(() => {})
        .finally(() => {
          sending = false
          sendInput()
        })
    }
    const input = (data: string): void => {
      pendingInput += data
      sendInput()
    }
    const onData = term.onData(input)
    // Binary input (some mouse reports) as raw bytes in a string, as the PTY expects.
    const onBinary = term.onBinary(input)

    // ---- Flow control: acknowledge what xterm has parsed -----------------------------
    let unacked = 0
    let ackTimer: ReturnType<typeof setTimeout> | undefined
    const flushAck = (): void => {
      clearTimeout(ackTimer)
      ackTimer = undefined
      if (unacked === 0 || disposed) return
      const chars = unacked
      unacked = 0
      client.call('terminal:ack', { id, chars }).catch(() => {})
    }
    const ack = (chars: number): void => {
      unacked += chars
      if (unacked >= ACK_THRESHOLD_CHARS) flushAck()
      else ackTimer ??= setTimeout(flushAck, ACK_INTERVAL_MS)
    }

    // ---- Output ----------------------------------------------------------------------
    /** Output chars the screen covers up to; null while (re)attaching. */
    let nextSeq: number | null = null
    let early: { seq: number; data: string }[] = []
    let generation = 0

    const write = (seq: number, data: string): void => {
      if (nextSeq === null) return
      const end = seq + data.length
      // Already on the screen (covered by the attach snapshot, which the core counts as drawn).
      if (end <= nextSeq) return
      if (seq > nextSeq) {
        // Output went missing (events lost while the connection was down): start again.
        void attach()
        return
      }
      const fresh = data.slice(nextSeq - seq)
      nextSeq = end
      // xterm yields to the page between writes (not inside one): slices keep a 100k batch
      // from holding the main thread in one long task, and let the acks flow sooner.
      for (let start = 0; start < fresh.length; start += WRITE_SLICE_CHARS) {
        const slice = fresh.slice(start, start + WRITE_SLICE_CHARS)
        term.write(slice, () => ack(slice.length))
      }
    }

    const offData = client.on('terminal:data', (event) => {
      if (event.id !== id) return
      if (nextSeq === null) early.push(event)
      else write(event.seq, event.data)
    })

    let lastSent = { cols: info.cols, rows: info.rows }
    const fitNow = (): void => {
      if (disposed || nextSeq === null || !latest.current.visible) return
      const dims = fit.proposeDimensions()
      if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows)) return
      const cols = Math.min(1000, Math.max(2, dims.cols))
      const rows = Math.min(500, Math.max(1, dims.rows))
      if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows)
      if (cols !== lastSent.cols || rows !== lastSent.rows) {
        lastSent = { cols, rows }
        client.call('terminal:resize', { id, cols, rows }).catch(() => {})
      }
    }

    const attach = async (): Promise<void> => {
      const current = ++generation
      nextSeq = null
      early = []
      markAttached(id, false)
      setAttached(false)
      try {
        const reply = await client.call('terminal:attach', { id })
        if (disposed || current !== generation) return
        setAttachError(null)
        term.reset()
        exitShown.current = false
        // Draw the snapshot at the size it was taken at, then fit to this window.
        if (reply.info.cols !== term.cols || reply.info.rows !== term.rows) term.resize(reply.info.cols, reply.info.rows)
        lastSent = { cols: reply.info.cols, rows: reply.info.rows }
        nextSeq = reply.seq
        term.write(reply.screen, () => {
          if (disposed || current !== generation) return
          fitNow()
          markAttached(id, true)
          setAttached(true)
        })
        for (const event of early.splice(0)) write(event.seq, event.data)
      } catch (err) {
        if (disposed || current !== generation) return
        setAttachError(toErrorInfo(err))
      }
    }

    // After a lost connection, output may have been missed: take a fresh snapshot.
    let wasOpen = true
    const offConnection = client.onConnection((state) => {
      if (state === 'open' && !wasOpen) void attach()
      wasOpen = state === 'open'
    })

    let resizeTimer: ReturnType<typeof setTimeout> | undefined
    const observer = new ResizeObserver(() => {
      clearTimeout(resizeTimer)
      resizeTimer = setTimeout(fitNow, RESIZE_DEBOUNCE_MS)
    })
    observer.observe(element)

    const unregister = registerView(id, {
      focus: () => {
        // display: none cannot take focus: do it when the view is shown (see below).
        if (element.getClientRects().length > 0) term.focus()
        else focusWhenShown.current = true
      },
      input,
      size: () => (latest.current.visible && nextSeq !== null ? { cols: term.cols, rows: term.rows } : null),
    })

    // What the terminal shows, as text, for tests and debugging (the WebGL renderer draws
    // into a canvas, so the page has no text to read otherwise).
    const rootElement = root.current as (HTMLDivElement & { readBuffer?: (lastRows?: number) => string }) | null
    if (rootElement) rootElement.readBuffer = (lastRows) => bufferText(term, lastRows)

    setLive({ term, fit, search, fitNow })
    void attach()

    return () => {
      disposed = true
      flushAck()
      clearTimeout(resizeTimer)
      clearTimeout(ackTimer)
      observer.disconnect()
      offData()
      offConnection()
      onData.dispose()
      onBinary.dispose()
      onResize.dispose()
      term.textarea?.removeEventListener('focus', onTextareaFocus)
      unregister()
      markAttached(id, false)
      setLive(null)
      setAttached(false)
      if (rootElement) delete rootElement.readBuffer
      term.dispose()
    }
    // One xterm per terminal for the life of the view (the rest is read through `latest`);
    // `retry` re-creates it after a failed attach.
  }, [client, id, retry])

  // ---- WebGL on the visible terminal; the DOM renderer otherwise or when WebGL fails -----
  useEffect(() => {
    if (!live || !visible) return
    if (focusWhenShown.current) {
      focusWhenShown.current = false
      live.term.focus()
    }
    let webgl: WebglAddon | null = null
    if (useWebgl()) {
      try {
        const addon = new WebglAddon()
        addon.onContextLoss(() => {
          webglLosses++
          addon.dispose()
          if (webgl === addon) webgl = null
          setRenderer('dom')
        })
        live.term.loadAddon(addon)
        webgl = addon
        setRenderer('webgl')
      } catch {
        webglUnsupported = true
        setRenderer('dom')
      }
    }
    const frame = requestAnimationFrame(live.fitNow)
    return () => {
      cancelAnimationFrame(frame)
      webgl?.dispose()
      setRenderer('dom')
    }
  }, [live, visible])

  useEffect(() => {
    if (live) live.term.options.theme = theme
  }, [live, theme])

  useEffect(() => {
    if (!live || live.term.options.fontSize === fontSize) return
    live.term.options.fontSize = fontSize
    const frame = requestAnimationFrame(live.fitNow)
    return () => cancelAnimationFrame(frame)
  }, [live, fontSize])

  useEffect(() => {
    live?.term.textarea?.setAttribute('aria-label', `Terminal ${info.title}. F6 moves focus back to the tabs.`)
  }, [live, info.title])

  // ---- The end of the process ------------------------------------------------------------
  useEffect(() => {
    if (!live || !attached) return
    const { term } = live
    if (info.exitCode === null) {
      term.options.disableStdin = false
      return
    }
    term.options.disableStdin = true
    term.options.cursorBlink = false
    if (exitShown.current) return
    // The core sends the last output before the exit, but a PTY can still deliver a little
    // after it: a short wait keeps the line below all of it.
    const code = info.exitCode
    const timer = setTimeout(() => {
      if (exitShown.current) return
      exitShown.current = true
      term.write(`\r\n\x1b[0m\x1b[2m[process exited with code ${code}]\x1b[0m\r\n`)
    }, 150)
    return () => clearTimeout(timer)
  }, [live, attached, info.exitCode])

  // ---- Actions: keyboard shortcuts and the context menu ---------------------------------
  const copy = useCallback((): void => {
    if (!live?.term.hasSelection()) return
    navigator.clipboard?.writeText(live.term.getSelection()).then(
      () => showNotice('Copied'),
      () => showNotice('Could not copy: the clipboard is not available here.'),
    )
  }, [live, showNotice])

  const paste = useCallback((): void => {
    if (!live) return
    if (!navigator.clipboard?.readText) {
      showNotice('Reading the clipboard is not allowed here: use Shift+Insert or the browser’s Paste.')
      return
    }
    navigator.clipboard.readText().then(
      (text) => {
        if (text) live.term.paste(text)
        live.term.focus()
      },
      () => showNotice('Reading the clipboard is not allowed here: use Shift+Insert or the browser’s Paste.'),
    )
  }, [live, showNotice])

  actionRef.current = (action: TerminalAction): void => {
    if (action === 'copy') copy()
    else if (action === 'paste') paste()
    else if (action === 'find') setFindOpen(true)
    else if (action === 'font-up') changeFontSize(1)
    else if (action === 'font-down') changeFontSize(-1)
    else if (action === 'font-reset') changeFontSize(0)
    else if (action === 'leave') latest.current.onLeave()
  }

  const onContextMenu = (event: ReactMouseEvent<HTMLDivElement>): void => {
    if ((event.target as HTMLElement).closest('.find-bar')) return
    event.preventDefault()
    onFocus()
    // From the keyboard (the Menu key, Shift+F10) there is no pointer position.
    const rect = event.currentTarget.getBoundingClientRect()
    const fromKeyboard = event.clientX === 0 && event.clientY === 0
    setMenuAt(fromKeyboard ? { x: rect.left + 24, y: rect.top + 24 } : { x: event.clientX, y: event.clientY })
  }

  const menuItems: MenuItem[] = live
    ? [
        { id: 'copy', label: 'Copy', shortcut: 'Ctrl+Shift+C', disabled: !live.term.hasSelection(), onSelect: copy },
        { id: 'paste', label: 'Paste', shortcut: 'Ctrl+Shift+V', onSelect: paste },
        { id: 'select-all', label: 'Select all', onSelect: () => live.term.selectAll(), separatorBefore: true },
        { id: 'clear', label: 'Clear', hint: 'Clears the scrollback in this window', onSelect: () => live.term.clear() },
        { id: 'find', label: 'Find', shortcut: 'Ctrl+Shift+F', onSelect: () => setFindOpen(true), separatorBefore: true },
      ]
    : []

  const exited = info.exitCode !== null
  const disconnected = info.kind === 'vm' && !info.connected && !exited
  const classes = ['terminal-view', focused ? 'focused' : '', exited ? 'exited' : ''].filter(Boolean).join(' ')

  return (
    <div
      ref={root}
      className={classes}
      hidden={!visible}
      id={`terminal-panel-${id}`}
      role="tabpanel"
      aria-label={info.title}
      data-testid="terminal"
      data-terminal-id={id}
      data-renderer={renderer}
      data-attached={attached || undefined}
      data-exited={exited || undefined}
      onContextMenu={onContextMenu}
      onPointerDown={() => onFocus()}
    >
      <div ref={host} className="terminal-host" />
      {disconnected && (
        <div className="terminal-banner warn" role="status">
          <span className="spinner" aria-hidden="true" />
          Connection to the VM lost, reconnecting…
        </div>
      )}
      {attachError && (
        <div className="terminal-banner error" role="alert">
          <span>Could not attach to this terminal: {attachError.message}</span>
          <button type="button" className="ghost small" onClick={() => setRetry((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {findOpen && live && (
        <FindBar
          search={live.search}
          initial={live.term.hasSelection() && !live.term.getSelection().includes('\n') ? live.term.getSelection() : ''}
          onClose={() => {
            setFindOpen(false)
            live.term.focus()
          }}
        />
      )}
      {notice && (
        <div className="terminal-notice" role="status">
          {notice}
        </div>
      )}
      {menuAt && live && <Menu label="Terminal" items={menuItems} at={menuAt} onClose={() => setMenuAt(null)} returnFocus={() => live.term.focus()} testId="terminal-menu" />}
    </div>
  )
}
