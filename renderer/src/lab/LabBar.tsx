// The lab's own actions, in its header: set it up in the VM (with the core's phases as they
// happen), finish it (revert its faults, run its cleanup), and export the journal.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react'
import type { EventPayload } from '../../../electron/core/api'
import { toErrorInfo } from '../../../electron/core/errors'
import { useClient } from '../api/hooks'
import { useVmReady } from '../api/vm'
import { useToast } from '../components/Toasts'
import { Menu } from '../terminal/Menu'
import { downloadText } from './download'

type LabPhase = EventPayload<'lab:phase'>

/**
 * The last phase of each lab seen by this window. The contract has no "is this lab set up?"
 * query, so this is the best the bar can say after the learner leaves the lab and comes back.
 */
const lastPhase = new Map<string, LabPhase>()

export function LabBar({ labId, allDone }: { labId: string; allDone: boolean }): ReactNode {
  const client = useClient()
  const vm = useVmReady()
  const toast = useToast()
  const reasonId = useId()
  const [phase, setPhase] = useState<LabPhase | null>(() => lastPhase.get(labId) ?? null)
  const [busy, setBusy] = useState<'setup' | 'cleanup' | null>(null)

  useEffect(
    () =>
      client.on('lab:phase', (event) => {
        if (event.labId !== labId) return
        lastPhase.set(labId, event)
        setPhase(event)
      }),
    [client, labId],
  )

  const setup = (): void => {
    setBusy('setup')
    // Shown at once; the core's first phase event follows within moments.
    setPhase({ labId, phase: 'Starting the setup', done: false, error: null })
    client.call('lab:setup', { id: labId }).then(
      () => setBusy(null),
      (err: unknown) => {
        setBusy(null)
        setPhase((current) => (current && !current.done ? { ...current, phase: 'Setup failed', done: true, error: toErrorInfo(err).message } : current))
        toast({ tone: 'error', title: 'The lab could not be set up', error: toErrorInfo(err) })
      },
    )
  }

  const finish = (): void => {
    setBusy('cleanup')
    setPhase({ labId, phase: 'Reverting faults and cleaning up', done: false, error: null })
    client
      .call('lab:cleanup', { id: labId })
      // Finishing with every step passed or skipped completes the lab in the catalogue.
      .then(() => (allDone ? client.call('labs:set-status', { id: labId, status: 'completed' }) : null))
      .then(
        () => {
          setBusy(null)
          toast({
            tone: 'ok',
            title: allDone ? 'Lab completed' : 'Lab finished',
            body: <p className="toast-text">Its faults are reverted and its files in the VM are cleaned up. Set it up again to start over.</p>,
          })
        },
        (err: unknown) => {
          setBusy(null)
          setPhase((current) => (current && !current.done ? { ...current, phase: 'Cleanup failed', done: true, error: toErrorInfo(err).message } : current))
          toast({ tone: 'error', title: 'The lab could not be cleaned up', error: toErrorInfo(err) })
        },
      )
  }

  const working = busy !== null || (phase !== null && !phase.done)
  const ready = phase?.done === true && phase.error === null && phase.phase === 'Ready'
  const vmTitle = (what: string): string => (vm.ready ? what : vm.reason)

  return (
    <div className="lab-bar" role="group" aria-label="Lab actions">
      {phase && <PhaseStatus phase={phase} working={working} />}
      <span className="tooltip-host" title={vmTitle(ready ? 'Run the setup again: uploads the lab files and resets its state' : 'Upload the lab files to the VM and run the lab setup')} data-testid="setup-lab">
        <button type="button" className={ready ? 'ghost' : undefined} disabled={!vm.ready || working} onClick={setup} aria-describedby={vm.ready ? undefined : reasonId}>
          Set up lab
        </button>
      </span>
      <span className="tooltip-host" title={vmTitle('Revert this lab’s faults and run its cleanup in the VM')}>
        <button type="button" className="ghost" disabled={!vm.ready || working} onClick={finish} aria-describedby={vm.ready ? undefined : reasonId}>
          {busy === 'cleanup' ? 'Finishing…' : 'Finish lab'}
        </button>
      </span>
      <ExportJournal labId={labId} />
      {!vm.ready && <span id={reasonId} className="visually-hidden">{vm.reason}</span>}
    </div>
  )
}

function PhaseStatus({ phase, working }: { phase: LabPhase; working: boolean }): ReactNode {
  const failed = phase.error !== null
  const look = working ? 'working' : failed ? 'failed' : 'done'
  return (
    <span className={`lab-phase ${look}`} role="status" data-testid="lab-phase" data-look={look} title={phase.error ?? undefined}>
      {working ? <span className="spinner" aria-hidden="true" /> : <span className="lab-phase-icon" aria-hidden="true">{failed ? '✕' : '✓'}</span>}
      {phase.phase}
    </span>
  )
}

const FORMATS = [
  { id: 'markdown', label: 'Markdown (.md)', type: 'text/markdown' },
  { id: 'html', label: 'HTML (.html)', type: 'text/html' },
] as const

function ExportJournal({ labId }: { labId: string }): ReactNode {
  const client = useClient()
  const toast = useToast()
  const button = useRef<HTMLButtonElement>(null)
  const [menuAt, setMenuAt] = useState<{ x: number; y: number } | null>(null)
  const [exporting, setExporting] = useState(false)
  // The menu closes on any pointer down outside it, the button included; without this, the
  // click that follows would open it again instead of leaving it closed.
  const closedAt = useRef(0)

  const open = (): void => {
    if (exporting) return
    const rect = button.current!.getBoundingClientRect()
    // Right-aligned under the button: it sits at the window's right edge.
    setMenuAt({ x: rect.right - 200, y: rect.bottom + 4 })
  }

  const exportAs = (format: (typeof FORMATS)[number]): void => {
    setExporting(true)
    button.current?.focus()
    client.call('lab:journal', { id: labId, format: format.id }).then(
      ({ fileName, content }) => {
        setExporting(false)
        downloadText(fileName, content, format.type)
        toast({ tone: 'ok', title: 'Journal exported', body: <p className="toast-text">Saved as <code>{fileName}</code> in your downloads.</p> })
      },
      (err: unknown) => {
        setExporting(false)
        toast({ tone: 'error', title: 'The journal could not be exported', error: toErrorInfo(err) })
      },
    )
  }

  return (
    <>
      <button
        ref={button}
        type="button"
        className="ghost"
        aria-haspopup="menu"
        aria-expanded={menuAt !== null}
        // Busy, not disabled: a disabled button would drop the focus just given back to it.
        aria-busy={exporting || undefined}
        onClick={() => (menuAt ? setMenuAt(null) : Date.now() - closedAt.current > 300 && open())}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault()
            open()
          }
        }}
        title="Your predictions, results and the timeline of this lab, as a file to keep or hand in"
      >
        {exporting ? 'Exporting…' : 'Export journal'} <span aria-hidden="true">▾</span>
      </button>
      {menuAt && (
        <Menu
          label="Export journal as"
          at={menuAt}
          onClose={() => {
            closedAt.current = Date.now()
            setMenuAt(null)
          }}
          returnFocus={() => button.current?.focus()}
          testId="journal-menu"
          items={FORMATS.map((format) => ({ id: format.id, label: format.label, onSelect: () => exportAs(format) }))}
        />
      )}
    </>
  )
}
