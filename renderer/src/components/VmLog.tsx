// Vagrant's live output. One snapshot ('vm:log' method) when shown, then only the new lines
// ('vm:log' events). Follows the end like `tail -f` until the learner scrolls up to read, and
// never holds more than MAX_LINES, so a long provisioning run cannot slow the window down.
// It is a role="log" with aria-live="off": read aloud line by line, Vagrant would drown out
// everything else; the progress bar announces what matters.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient } from '../api/hooks'
import { ErrorPanel } from './ErrorPanel'

export const MAX_LINES = 2000
/** How close to the end (px) still counts as "at the end", so sub-pixel rounding never unsticks. */
const STICK_SLACK_PX = 24

// Vagrant redraws its download progress with carriage returns and some tools colour their
// output; a log panel shows only the last redraw of a line, without the escape codes.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g
function clean(line: string): string {
  const redrawn = line.lastIndexOf('\r', line.length - 2)
  return (redrawn >= 0 ? line.slice(redrawn + 1) : line).replace(/\r$/, '').replace(ANSI, '')
}

function keepLast(lines: string[]): string[] {
  return lines.length > MAX_LINES ? lines.slice(-MAX_LINES) : lines
}

export function VmLog(): ReactNode {
  const client = useClient()
  const [lines, setLines] = useState<string[]>([])
  const [loadError, setLoadError] = useState<ErrorInfo | null>(null)
  const [loading, setLoading] = useState(true)
  const [unseen, setUnseen] = useState(false)
  const [copyNote, setCopyNote] = useState('')
  const box = useRef<HTMLPreElement>(null)
  const stuck = useRef(true)

  useEffect(() => {
    let alive = true
    // Lines that arrive as events before the snapshot's reply are already in the snapshot
    // (the core appends, then emits; the transport keeps order), so they are dropped.
    let haveSnapshot = false
    const load = (): void => {
      haveSnapshot = false
      client.call('vm:log').then(
        (result) => {
          if (!alive) return
          haveSnapshot = true
          setLines(keepLast(result.lines.map(clean)))
          setLoadError(null)
          setLoading(false)
        },
        (err: unknown) => {
          if (!alive) return
          // Without a snapshot the new lines are still worth showing.
          haveSnapshot = true
          setLoadError(toErrorInfo(err))
          setLoading(false)
        },
      )
    }
    const offLog = client.on('vm:log', ({ lines: fresh }) => {
      if (haveSnapshot) setLines((prev) => keepLast([...prev, ...fresh.map(clean)]))
    })
    // After a reconnect some lines were missed: start again from a fresh snapshot.
    let wasOpen = true
    const offConnection = client.onConnection((state) => {
      if (state === 'open' && !wasOpen) load()
      wasOpen = state === 'open'
    })
    load()
    return () => {
      alive = false
      offLog()
      offConnection()
    }
  }, [client])

  // Before paint, so the view never flashes at the old position when it should follow.
  useLayoutEffect(() => {
    const el = box.current
    if (!el) return
    if (stuck.current) el.scrollTop = el.scrollHeight
    else if (lines.length > 0) setUnseen(true)
  }, [lines])

  // The log's box changes height when the status card above grows or shrinks (a progress bar
  // or an error appears): keep following the end through that too.
  useEffect(() => {
    const el = box.current
    if (!el) return
    const observer = new ResizeObserver(() => {
      if (stuck.current) el.scrollTop = el.scrollHeight
    })
    observer.observe(el)
    return () => observer.disconnect()
  }, [])

  const onScroll = (): void => {
    const el = box.current
    if (!el) return
    stuck.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_SLACK_PX
    if (stuck.current) setUnseen(false)
  }

  const jumpToEnd = (): void => {
    stuck.current = true
    setUnseen(false)
    if (box.current) box.current.scrollTop = box.current.scrollHeight
  }

  const copyAll = useCallback(() => {
    const text = lines.join('\n')
    const note = (message: string): void => {
      setCopyNote(message)
      setTimeout(() => setCopyNote(''), 2500)
    }
    const selectInstead = (): void => {
      // No clipboard access (e.g. an insecure origin): select the text so Ctrl+C does it.
      if (box.current) window.getSelection()?.selectAllChildren(box.current)
      note('Selected: press Ctrl+C to copy')
    }
    if (!navigator.clipboard) return selectInstead()
    navigator.clipboard.writeText(text).then(() => note(`Copied ${lines.length} ${lines.length === 1 ? 'line' : 'lines'}`), selectInstead)
  }, [lines])

  return (
    <section className="vm-card vm-log-card" aria-labelledby="vm-log-title">
      <div className="card-head">
        <h2 id="vm-log-title">Live log</h2>
        <span className="muted small">
          {lines.length >= MAX_LINES ? `last ${MAX_LINES.toLocaleString()} lines` : lines.length > 0 ? `${lines.length.toLocaleString()} ${lines.length === 1 ? 'line' : 'lines'}` : ''}
        </span>
        <span className="spacer" />
        <span className="muted small" role="status">{copyNote}</span>
        <button type="button" className="ghost small" onClick={copyAll} disabled={lines.length === 0}>Copy all</button>
      </div>
      {loadError && (
        <div className="vm-log-error">
          <ErrorPanel error={loadError} />
        </div>
      )}
      <div className="vm-log-frame">
        <pre className="vm-log" ref={box} onScroll={onScroll} tabIndex={0} role="log" aria-label="VM log" aria-live="off" aria-busy={loading} data-testid="vm-log">
          {lines.length > 0 ? lines.join('\n') : <span className="vm-log-empty">{loading ? 'Loading the log…' : 'No output yet. What Vagrant prints while the VM starts, stops or resets appears here.'}</span>}
        </pre>
        {unseen && (
          <button type="button" className="small vm-log-jump" onClick={jumpToEnd}>
            ↓ New output
          </button>
        )}
      </div>
    </section>
  )
}
