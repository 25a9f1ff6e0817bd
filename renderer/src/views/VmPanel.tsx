// The lab VM's control room (#/vm): its state and the operation in flight, the actions that
// make sense in that state, the pre-flight checks, its resources, and Vagrant's live log.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { DEFAULT_SETTINGS, type PreflightCheck, type PreflightReport, type Settings, type VmProvider, type VmStatus } from '../../../electron/core/api'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient, useSnapshot } from '../api/hooks'
import { needsSetup, useVmStatus, VM_STATE_TEXT } from '../api/vm'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { ErrorPanel } from '../components/ErrorPanel'
import { VmLog } from '../components/VmLog'
import { VmProgress } from '../components/VmProgress'

type ActionKind = 'start' | 'stop' | 'reset' | 'destroy'

export function VmPanel({ onBack }: { onBack: () => void }): ReactNode {
  const vm = useVmStatus()

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const target = event.target as HTMLElement
      // Escape belongs to an open dialog (the shortcuts list) first, and to form fields.
      const dialogOpen = document.querySelector('[aria-modal="true"]') !== null
      if (event.key === 'Escape' && !dialogOpen && !['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) onBack()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onBack])

  return (
    <main className="vm-panel" aria-labelledby="vm-title">
      <header className="page-header">
        <div>
          <h1 id="vm-title">Lab VM</h1>
          <p className="muted">The disposable Debian machine your labs run in. Break it freely: it can always be reset or rebuilt.</p>
        </div>
        <button type="button" className="ghost" onClick={onBack} aria-label="Back to labs (Esc)">← Labs</button>
      </header>

      {vm.status === 'loading' && <section className="vm-card vm-status-card skeleton" aria-busy="true" aria-label="Loading the VM status" />}
      {vm.status === 'error' && <ErrorPanel error={vm.error} />}
      {vm.status === 'ready' && <StatusCard status={vm.value} />}

      <div className="vm-grid">
        <div className="vm-column">
          <PreflightCard autoRun={vm.status === 'ready' && needsSetup(vm.value)} />
          <SettingsCard vmRunning={vm.status === 'ready' && vm.value.state === 'running'} />
        </div>
        <VmLog />
      </div>
    </main>
  )
}

// ---------------------------------------------------------------------------------------------
// State and actions

function StatusCard({ status }: { status: VmStatus }): ReactNode {
  const client = useClient()
  // The call in flight from this window. The core's `action` says the same once its first
  // event arrives; this covers the moment in between, and operations started elsewhere.
  const [pending, setPending] = useState<ActionKind | null>(null)
  const [callError, setCallError] = useState<ErrorInfo | null>(null)
  const [confirmDestroy, setConfirmDestroy] = useState(false)
  const { state, action } = status
  const busy = action !== null || pending !== null
  const text = VM_STATE_TEXT[state]

  const run = (kind: ActionKind): void => {
    setPending(kind)
    setCallError(null)
    const call =
      kind === 'destroy' ? client.call('vm:destroy', { confirm: true }) : kind === 'start' ? client.call('vm:start') : kind === 'stop' ? client.call('vm:stop') : client.call('vm:reset')
    call.then(
      () => setPending(null),
      (err: unknown) => {
        setPending(null)
        setCallError(toErrorInfo(err))
      },
    )
  }

  const canStart = ['not-created', 'stopped', 'suspended', 'error'].includes(state)
  const canStop = state === 'running'
  const canReset = state === 'running' || state === 'stopped'
  // Nothing to destroy before the VM exists; in an error state it is often the way out.
  const canDestroy = !['not-created', 'unknown'].includes(state)
  const busyReason = 'Wait for the current operation to finish.'
  const resetReason = busy
    ? busyReason
    : status.hasCleanSnapshot
      ? 'Restore the clean snapshot taken after the first set-up. Everything done in the VM since is undone.'
      : 'Not available yet: the clean snapshot is taken when the VM is first set up.'

  return (
    <section className="vm-card vm-status-card" aria-labelledby="vm-state-label" data-testid="vm-status-card">
      <div className="vm-status-top">
        <span className={`dot big dot-${state}`} aria-hidden="true" />
        <div className="vm-status-words">
          <p className="eyebrow">Status</p>
          <h2 id="vm-state-label" data-testid="vm-panel-state" data-state={state}>
            {text.label}
            {state === 'running' && status.connected && <span className="chip chip-ok">SSH connected</span>}
          </h2>
          <p className="vm-explain">{text.explain}</p>
          {status.detail && <p className="muted small">{status.detail}</p>}
        </div>
        <div className="vm-actions" role="group" aria-label="VM actions">
          {canStart && (
            <button type="button" className="primary-action" disabled={busy} onClick={() => run('start')} title={busy ? busyReason : state === 'not-created' ? 'Create the VM and start it (downloads about 1 GB the first time)' : 'Start the VM'}>
              {pending === 'start' ? 'Starting…' : 'Start'}
            </button>
          )}
          {canStop && (
            <button type="button" disabled={busy} onClick={() => run('stop')} title={busy ? busyReason : 'Shut the VM down; its disk is kept'}>
              {pending === 'stop' ? 'Stopping…' : 'Stop'}
            </button>
          )}
          {canReset && (
            // The tooltip sits on a wrapper because a disabled button gets no pointer events.
            <span className="tooltip-host" title={resetReason}>
              <button type="button" className="ghost" disabled={busy || !status.hasCleanSnapshot} onClick={() => run('reset')} aria-describedby="vm-reset-why">
                {pending === 'reset' ? 'Resetting…' : 'Reset VM'}
              </button>
              <span id="vm-reset-why" className="visually-hidden">{resetReason}</span>
            </span>
          )}
          {canDestroy && (
            <button type="button" className="ghost danger-outline" disabled={busy} onClick={() => setConfirmDestroy(true)} title={busy ? busyReason : 'Delete the VM and its disk'}>
              {pending === 'destroy' ? 'Destroying…' : 'Destroy…'}
            </button>
          )}
        </div>
      </div>

      {action && <VmProgress action={action} />}
      {status.error && <ErrorPanel error={status.error} />}
      {callError && (
        <ErrorPanel error={callError} action={<button type="button" className="ghost small" onClick={() => setCallError(null)}>Dismiss</button>} />
      )}

      {confirmDestroy && (
        <ConfirmDialog
          title="Destroy the lab VM?"
          confirmLabel="Destroy VM"
          danger
          onCancel={() => setConfirmDestroy(false)}
          onConfirm={() => {
            setConfirmDestroy(false)
            run('destroy')
          }}
        >
          <p>This deletes the VM's disk and anything done in it: files, installed packages, and the clean snapshot that Reset restores.</p>
          <p className="muted">Your progress through the labs is kept. The next Start builds the VM again from scratch, which takes several minutes.</p>
        </ConfirmDialog>
      )}
    </section>
  )
}

// ---------------------------------------------------------------------------------------------
// Pre-flight checks

type Preflight = { status: 'idle' } | { status: 'running'; last: PreflightReport | null } | { status: 'done'; report: PreflightReport } | { status: 'error'; error: ErrorInfo }

// Kept for the session so coming back to the panel shows the last report instead of asking
// again, and so the automatic first run happens once, not on every visit.
let sessionReport: PreflightReport | null = null
let autoRanThisSession = false

function PreflightCard({ autoRun }: { autoRun: boolean }): ReactNode {
  const client = useClient()
  const [preflight, setPreflight] = useState<Preflight>(() => (sessionReport ? { status: 'done', report: sessionReport } : { status: 'idle' }))

  const run = (): void => {
    setPreflight((p) => ({ status: 'running', last: p.status === 'done' ? p.report : null }))
    client.call('vm:preflight').then(
      (report) => {
        sessionReport = report
        setPreflight({ status: 'done', report })
      },
      (err: unknown) => setPreflight({ status: 'error', error: toErrorInfo(err) }),
    )
  }

  // First visit before the VM exists: check straight away, since that is the next step anyway.
  useEffect(() => {
    if (autoRun && !autoRanThisSession) {
      autoRanThisSession = true
      run()
    }
  }, [autoRun])

  const running = preflight.status === 'running'
  const report = preflight.status === 'done' ? preflight.report : preflight.status === 'running' ? preflight.last : null

  return (
    <section className="vm-card" aria-labelledby="preflight-title" data-testid="preflight">
      <div className="card-head">
        <h2 id="preflight-title">Pre-flight checks</h2>
        <span className="spacer" />
        <button type="button" className="ghost small" onClick={run} disabled={running}>
          {running ? 'Checking…' : report ? 'Run again' : 'Run checks'}
        </button>
      </div>
      {preflight.status === 'idle' && (
        <p className="muted card-note">Checks this computer before the VM starts: Vagrant, a VM provider, virtualization, memory, disk space and ports.</p>
      )}
      {running && !report && (
        <ul className="checks" aria-busy="true" aria-label="Running the checks">
          {[0, 1, 2, 3].map((n) => <li key={n} className="check skeleton-row" />)}
        </ul>
      )}
      {preflight.status === 'error' && (
        <ErrorPanel error={preflight.error} action={<button type="button" className="small" onClick={run}>Try again</button>} />
      )}
      {report && <PreflightResult report={report} stale={running} />}
    </section>
  )
}

function PreflightResult({ report, stale }: { report: PreflightReport; stale: boolean }): ReactNode {
  const failed = report.checks.filter((c) => c.status === 'fail').length
  const warned = report.checks.filter((c) => c.status === 'warn').length
  const summary = report.ready
    ? warned > 0
      ? `Ready to start, with ${warned} ${warned === 1 ? 'warning' : 'warnings'}`
      : 'Ready to start'
    : `${failed} ${failed === 1 ? 'problem' : 'problems'} to fix before the VM can start`
  return (
    <div className={stale ? 'preflight-result stale' : 'preflight-result'} aria-busy={stale}>
      <p className={`preflight-summary ${report.ready ? 'ready' : 'not-ready'}`} data-testid="preflight-summary">
        <span>{summary}</span>
        <span className="muted small">checked at {new Date(report.at).toLocaleTimeString()}</span>
      </p>
      <ul className="checks" aria-label="Check results">
        {report.checks.map((check) => <CheckRow key={check.id} check={check} />)}
      </ul>
    </div>
  )
}

const CHECK_ICON: Record<PreflightCheck['status'], { glyph: string; word: string }> = {
  ok: { glyph: '✓', word: 'Passed' },
  warn: { glyph: '!', word: 'Warning' },
  fail: { glyph: '✕', word: 'Failed' },
}

function CheckRow({ check }: { check: PreflightCheck }): ReactNode {
  const icon = CHECK_ICON[check.status]
  return (
    <li className={`check check-${check.status}`} data-check-id={check.id} data-status={check.status}>
      <span className="check-icon" aria-hidden="true">{icon.glyph}</span>
      <div className="check-body">
        <p className="check-title">
          <span className="visually-hidden">{icon.word}: </span>
          {check.title}
        </p>
        {check.detail && <p className="check-detail">{check.detail}</p>}
        {check.status !== 'ok' && check.fix && <p className="check-fix">{check.fix}</p>}
      </div>
    </li>
  )
}

// ---------------------------------------------------------------------------------------------
// Resources

const PROVIDER_LABEL: Record<VmProvider, string> = {
  auto: 'Automatic (Vagrant picks)',
  virtualbox: 'VirtualBox',
  libvirt: 'libvirt (KVM)',
  vmware_desktop: 'VMware Desktop',
  parallels: 'Parallels',
}

type VmFields = Pick<Settings, 'vmCpus' | 'vmMemoryMb' | 'vmProvider'>
/** Text while editing, so a half-typed number is not snapped back by the input. */
type Draft = { cpus: string; memory: string; provider: VmProvider }

const toDraft = (s: VmFields): Draft => ({ cpus: String(s.vmCpus), memory: String(s.vmMemoryMb), provider: s.vmProvider })

function validate(draft: Draft): { cpus?: string; memory?: string } {
  const cpus = Number(draft.cpus)
  const memory = Number(draft.memory)
  return {
    cpus: Number.isInteger(cpus) && cpus >= 1 && cpus <= 64 ? undefined : 'A whole number from 1 to 64.',
    memory: Number.isInteger(memory) && memory >= 1024 && memory <= 262_144 ? undefined : 'A whole number of MB from 1024 to 262144.',
  }
}

function SettingsCard({ vmRunning }: { vmRunning: boolean }): ReactNode {
  const client = useClient()
  const [settings, reload] = useSnapshot((c) => c.call('settings:get'), ['settings:changed'], [])
  // null until the learner edits: until then the form follows the saved values, also when
  // they change in another window.
  const [draft, setDraft] = useState<Draft | null>(null)
  const [saving, setSaving] = useState(false)
  const [saved, setSaved] = useState(false)
  const [saveError, setSaveError] = useState<ErrorInfo | null>(null)

  if (settings.status === 'loading') return <section className="vm-card skeleton" style={{ minHeight: 220 }} aria-busy="true" aria-label="Loading the VM settings" />
  if (settings.status === 'error') {
    return (
      <section className="vm-card">
        <ErrorPanel error={settings.error} action={<button type="button" className="small" onClick={reload}>Try again</button>} />
      </section>
    )
  }

  const current = toDraft(settings.value)
  const form = draft ?? current
  const errors = validate(form)
  const invalid = Boolean(errors.cpus || errors.memory)
  const dirty = form.cpus !== current.cpus || form.memory !== current.memory || form.provider !== current.provider
  const isDefault = form.cpus === String(DEFAULT_SETTINGS.vmCpus) && form.memory === String(DEFAULT_SETTINGS.vmMemoryMb) && form.provider === DEFAULT_SETTINGS.vmProvider

  const edit = (patch: Partial<Draft>): void => {
    setDraft({ ...form, ...patch })
    setSaved(false)
  }

  const save = (event: FormEvent): void => {
    event.preventDefault()
    if (invalid || !dirty) return
    setSaving(true)
    setSaveError(null)
    client.call('settings:update', { vmCpus: Number(form.cpus), vmMemoryMb: Number(form.memory), vmProvider: form.provider }).then(
      () => {
        setSaving(false)
        setDraft(null)
        setSaved(true)
      },
      (err: unknown) => {
        setSaving(false)
        setSaveError(toErrorInfo(err))
      },
    )
  }

  return (
    <section className="vm-card" aria-labelledby="vm-settings-title" data-testid="vm-settings">
      <div className="card-head">
        <h2 id="vm-settings-title">Resources</h2>
      </div>
      <form className="vm-settings" onSubmit={save} noValidate>
        <div className="field-row">
          <Field id="vm-cpus" label="vCPUs" error={errors.cpus}>
            <input id="vm-cpus" type="number" inputMode="numeric" min={1} max={64} step={1} value={form.cpus} aria-invalid={Boolean(errors.cpus)} aria-describedby={errors.cpus ? 'vm-cpus-error' : undefined} onChange={(e) => edit({ cpus: e.target.value })} />
          </Field>
          <Field id="vm-memory" label="Memory (MB)" error={errors.memory}>
            <input id="vm-memory" type="number" inputMode="numeric" min={1024} max={262144} step={512} value={form.memory} aria-invalid={Boolean(errors.memory)} aria-describedby={errors.memory ? 'vm-memory-error' : undefined} onChange={(e) => edit({ memory: e.target.value })} />
          </Field>
        </div>
        <Field id="vm-provider" label="Provider">
          <select id="vm-provider" value={form.provider} onChange={(e) => edit({ provider: e.target.value as VmProvider })}>
            {(Object.keys(PROVIDER_LABEL) as VmProvider[]).map((p) => <option key={p} value={p}>{PROVIDER_LABEL[p]}</option>)}
          </select>
        </Field>
        <p className="note">
          Changes apply the next time the VM starts{vmRunning ? ' (stop it and start it again)' : ''}. The labs assume {DEFAULT_SETTINGS.vmCpus} vCPUs and {DEFAULT_SETTINGS.vmMemoryMb} MB; with other values, the numbers you see may differ from the lab text.
        </p>
        {saveError && <ErrorPanel error={saveError} />}
        <div className="form-actions">
          <button type="submit" disabled={!dirty || invalid || saving}>{saving ? 'Saving…' : 'Save'}</button>
          <button type="button" className="ghost" disabled={isDefault} onClick={() => edit(toDraft(DEFAULT_SETTINGS))}>Use defaults</button>
          <span className="muted small" role="status">{saved && !dirty ? 'Saved' : ''}</span>
        </div>
      </form>
    </section>
  )
}

function Field({ id, label, error, children }: { id: string; label: string; error?: string; children: ReactNode }): ReactNode {
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error && <span className="field-error" id={`${id}-error`}>{error}</span>}
    </div>
  )
}
