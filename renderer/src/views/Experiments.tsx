// Experiments (#/experiments): import a Chaos Toolkit experiment (JSON or YAML), read what it
// will do, run it against the lab VM with live progress, and keep every run: its result phase
// by phase, and its journal to export (Chaos Toolkit-style JSON, or a Markdown report).
import { useCallback, useEffect, useId, useRef, useState, type DragEvent, type ReactNode } from 'react'
import { EXPERIMENT_MAX_CHARS, type ExperimentRun, type ExperimentRunSummary, type ExperimentView } from '../../../electron/core/api'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient, useSnapshot } from '../api/hooks'
import { useVmReady } from '../api/vm'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { ErrorPanel } from '../components/ErrorPanel'
import { useToast } from '../components/Toasts'
import { PhaseList } from '../experiments/PhaseList'
import { applyProgress, journalModel, planModel, runHeadline, type RunModel } from '../experiments/runModel'
import { downloadText } from '../lab/download'
import '../experiments/experiments.css'

/** What the main pane shows: an imported experiment (with a run of it), or a run alone. */
type Selection = { experimentId: number | null; runId: number | null }

interface Live {
  runId: number
  experimentId: number | null
  model: RunModel
}

export function ExperimentsView({ onBack }: { onBack: () => void }): ReactNode {
  const client = useClient()
  const toast = useToast()
  const [list, reload] = useSnapshot((c) => c.call('experiments:list'), ['experiments:changed'], [])
  const [selection, setSelection] = useState<Selection | null>(null)
  const [importError, setImportError] = useState<ErrorInfo | null>(null)
  const [live, setLive] = useState<Live | null>(null)
  const experiments = list.status === 'ready' ? list.value.experiments : []
  const runs = list.status === 'ready' ? list.value.runs : []
  const experimentsRef = useRef(experiments)
  experimentsRef.current = experiments

  // Progress of the run in flight, whoever started it (this window, another one).
  useEffect(
    () =>
      client.on('experiments:progress', (event) => {
        setLive((current) => {
          const base =
            current && current.runId === event.runId
              ? current.model
              : planModel(experimentsRef.current.find((e) => e.id === event.experimentId) ?? { id: 0, fileName: '', title: '', description: null, importedAt: 0, hypothesis: null, method: [], rollbacks: [], needsVm: false })
          return { runId: event.runId, experimentId: event.experimentId, model: applyProgress(base, event) }
        })
      }),
    [client],
  )

  // Until the learner picks something: the newest experiment (or the newest run, if none).
  const shown: Selection = selection ?? (experiments[0] ? { experimentId: experiments[0].id, runId: null } : runs[0] ? { experimentId: null, runId: runs[0].id } : { experimentId: null, runId: null })
  const plan = experiments.find((e) => e.id === shown.experimentId) ?? null
  // Live until the list says the run ended; from then on its journal tells the whole story.
  const liveRun = live && (runs.find((r) => r.id === live.runId)?.status ?? 'running') === 'running' ? live : null
  const runId = shown.runId ?? (plan ? (runs.find((r) => r.experimentId === plan.id)?.id ?? null) : null)

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const target = event.target as HTMLElement
      const dialogOpen = document.querySelector('[aria-modal="true"]') !== null
      if (event.key === 'Escape' && !dialogOpen && !['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) onBack()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onBack])

  const importFile = useCallback(
    async (file: File) => {
      setImportError(null)
      if (file.size > EXPERIMENT_MAX_CHARS) {
        setImportError({
          code: 'lab-invalid',
          message: `${file.name} is ${Math.round(file.size / 1024)} KB; Chaos Lab imports experiments of up to ${EXPERIMENT_MAX_CHARS / 1024} KB.`,
          fix: 'An experiment file is usually a few KB: check that this is the experiment (JSON or YAML), not a journal or a log.',
          details: [],
        })
        return
      }
      try {
        const view = await client.call('experiments:import', { fileName: file.name, content: await file.text() })
        setSelection({ experimentId: view.id, runId: null })
        reload()
        toast({ tone: 'ok', title: 'Experiment imported', body: <p className="toast-text">“{view.title}” is ready to run.</p> })
      } catch (err) {
        setImportError(toErrorInfo(err))
      }
    },
    [client, reload, toast],
  )

  const onDrop = (event: DragEvent<HTMLElement>): void => {
    const file = event.dataTransfer.files[0]
    if (!file) return
    event.preventDefault()
    void importFile(file)
  }

  return (
    <main className="experiments-page" aria-labelledby="experiments-title" onDragOver={(e) => e.dataTransfer.types.includes('Files') && e.preventDefault()} onDrop={onDrop}>
      <header className="page-header">
        <div>
          <h1 id="experiments-title">Experiments</h1>
          <p className="muted">
            Chaos Toolkit experiments: the steady state is checked before and after the method, and the rollbacks <strong>always</strong> run. Process providers run in the lab VM; http providers from this computer.
          </p>
        </div>
        <ImportButton onFile={importFile} />
      </header>

      {importError && (
        <div className="experiments-import-error">
          <ErrorPanel title="The experiment could not be imported" error={importError} action={<button type="button" className="ghost small" onClick={() => setImportError(null)}>Dismiss</button>} />
        </div>
      )}

      {list.status === 'loading' && <div className="vm-card skeleton" aria-busy="true" aria-label="Loading the experiments" />}
      {list.status === 'error' && <ErrorPanel error={list.error} action={<button type="button" onClick={reload}>Try again</button>} />}
      {list.status === 'ready' && experiments.length === 0 && runs.length === 0 && <EmptyState />}
      {list.status === 'ready' && (experiments.length > 0 || runs.length > 0) && (
        <div className="experiments-layout">
          <Sidebar experiments={experiments} runs={runs} shown={shown} onSelect={setSelection} />
          <div className="experiments-main">
            {plan ? (
              <ExperimentDetail
                key={plan.id}
                plan={plan}
                runId={runId}
                live={liveRun && liveRun.experimentId === plan.id && (shown.runId === null || shown.runId === liveRun.runId) ? liveRun : null}
                otherRunning={runs.some((r) => r.status === 'running' && r.experimentId !== plan.id)}
                onRemoved={() => setSelection(null)}
                onRunStarted={() => setSelection({ experimentId: plan.id, runId: null })}
              />
            ) : runId !== null ? (
              <RunOnly key={runId} runId={runId} live={liveRun && liveRun.runId === runId ? liveRun : null} />
            ) : (
              <EmptyState />
            )}
          </div>
        </div>
      )}
    </main>
  )
}

function ImportButton({ onFile }: { onFile: (file: File) => void }): ReactNode {
  const input = useRef<HTMLInputElement>(null)
  return (
    <div className="experiments-import">
      <input
        ref={input}
        type="file"
        accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="experiment-file"
        onChange={(e) => {
          const file = e.target.files?.[0]
          e.target.value = '' // the same file again is a new import
          if (file) onFile(file)
        }}
      />
      <button type="button" onClick={() => input.current?.click()} title="Import a Chaos Toolkit experiment (.json, .yaml), or drop the file on this page">
        Import experiment…
      </button>
    </div>
  )
}

function EmptyState(): ReactNode {
  return (
    <div className="empty-state experiments-empty">
      <h2>No experiments yet</h2>
      <p className="muted">
        Import a Chaos Toolkit experiment file (JSON or YAML) whose activities use <code>process</code> providers (commands run in the lab VM) or <code>http</code> providers.
        You can also drop the file on this page.
      </p>
    </div>
  )
}

// ---------------------------------------------------------------------------------------------
// The lists

const DATE = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })

function Sidebar({ experiments, runs, shown, onSelect }: { experiments: ExperimentView[]; runs: ExperimentRunSummary[]; shown: Selection; onSelect: (s: Selection) => void }): ReactNode {
  return (
    <aside className="experiments-side" aria-label="Experiments and runs">
      <section aria-labelledby="imported-title">
        <h2 id="imported-title" className="section-label">Imported</h2>
        {experiments.length === 0 ? (
          <p className="muted small">None: import one with the button above.</p>
        ) : (
          <ul className="side-list" data-testid="experiment-list">
            {experiments.map((e) => (
              <li key={e.id}>
                <button type="button" className="side-item" aria-current={shown.experimentId === e.id && shown.runId === null ? 'true' : undefined} onClick={() => onSelect({ experimentId: e.id, runId: null })}>
                  <span className="side-item-title">{e.title}</span>
                  <span className="side-item-meta">
                    <span className={`provider-chip ${e.needsVm ? 'vm' : 'http'}`}>{e.needsVm ? 'VM' : 'HTTP'}</span>
                    <span className="muted small">{e.fileName}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="runs-title">
        <h2 id="runs-title" className="section-label">Past runs</h2>
        {runs.length === 0 ? (
          <p className="muted small">Runs appear here, newest first, and are kept across restarts.</p>
        ) : (
          <ul className="side-list" data-testid="run-list">
            {runs.map((r) => {
              const headline = runHeadline(r)
              return (
                <li key={r.id}>
                  <button type="button" className="side-item" data-run-id={r.id} aria-current={shown.runId === r.id ? 'true' : undefined} onClick={() => onSelect({ experimentId: r.experimentId, runId: r.id })}>
                    <span className="side-item-title">{r.title}</span>
                    <span className="side-item-meta">
                      <span className={`run-badge tone-${headline.tone}`}>{headline.label}</span>
                      <span className="muted small">
                        #{r.id} · {DATE.format(r.startedAt)}
                        {r.endedAt !== null && ` · ${duration(r.endedAt - r.startedAt)}`}
                      </span>
                    </span>
                  </button>
                </li>
              )
            })}
          </ul>
        )}
      </section>
    </aside>
  )
}

// ---------------------------------------------------------------------------------------------
// One experiment: what it does, Run, and its latest (or chosen) run

function ExperimentDetail(props: { plan: ExperimentView; runId: number | null; live: Live | null; otherRunning: boolean; onRemoved: () => void; onRunStarted: () => void }): ReactNode {
  const { plan, runId, live, otherRunning, onRemoved, onRunStarted } = props
  const client = useClient()
  const toast = useToast()
  const vm = useVmReady()
  const whyId = useId()
  const [starting, setStarting] = useState(false)
  const [runError, setRunError] = useState<ErrorInfo | null>(null)
  const [confirmRemove, setConfirmRemove] = useState(false)
  const result = useRunResult(live ? null : runId)
  const running = live?.model.status === 'running'

  const blocked = plan.needsVm && !vm.ready ? `This experiment runs commands in the lab VM. ${vm.reason}` : otherRunning ? 'Another experiment is running: one at a time.' : ''

  const run = (): void => {
    setStarting(true)
    setRunError(null)
    onRunStarted()
    client.call('experiments:run', { id: plan.id }).then(
      (finished) => {
        setStarting(false)
        const headline = runHeadline(finished)
        toast({ tone: headline.tone === 'ok' ? 'ok' : 'warn', title: `${headline.label}: ${finished.title}`, body: <p className="toast-text">{finished.outcome}</p> })
      },
      (err: unknown) => {
        setStarting(false)
        setRunError(toErrorInfo(err))
      },
    )
  }

  const stop = (): void => {
    if (!live) return
    client.call('experiments:stop', { runId: live.runId }).catch((err: unknown) => toast({ tone: 'error', title: 'The experiment could not be stopped', error: toErrorInfo(err) }))
  }

  const remove = (): void => {
    setConfirmRemove(false)
    client.call('experiments:remove', { id: plan.id }).then(onRemoved, (err: unknown) => toast({ tone: 'error', title: 'The experiment could not be removed', error: toErrorInfo(err) }))
  }

  const model = live?.model ?? (result.status === 'ready' ? journalModel(result.value) : null)
  const shownRun = live ? null : result.status === 'ready' ? result.value : null

  return (
    <article className="experiment-detail" aria-labelledby="experiment-title" data-testid="experiment-detail">
      <section className="vm-card experiment-head">
        <div className="experiment-head-top">
          <div className="experiment-head-words">
            <p className="meta-line">
              <strong>{plan.fileName}</strong> · imported {DATE.format(plan.importedAt)}
            </p>
            <h2 id="experiment-title">{plan.title}</h2>
            {plan.description && <p className="experiment-description">{plan.description}</p>}
          </div>
          <div className="experiment-actions" role="group" aria-label="Experiment actions">
            {running ? (
              <button type="button" className="danger" onClick={stop} data-testid="stop-experiment" title="Skip what is left; the rollbacks still run">
                Stop
              </button>
            ) : (
              <span className="tooltip-host" title={blocked || 'Check the steady state, run the method, check again, then roll back'}>
                <button type="button" className="primary-action" disabled={blocked !== '' || starting} onClick={run} aria-describedby={blocked ? whyId : undefined} data-testid="run-experiment">
                  {starting ? 'Starting…' : model ? 'Run again' : 'Run'}
                </button>
              </span>
            )}
            <button type="button" className="ghost" disabled={running} onClick={() => setConfirmRemove(true)} title="Remove it from this list (its past runs stay)">
              Remove
            </button>
          </div>
        </div>
        <p className="experiment-facts">
          <span className={`provider-chip ${plan.needsVm ? 'vm' : 'http'}`}>{plan.needsVm ? 'Runs in the lab VM' : 'HTTP only: no VM needed'}</span>
          <span className="muted small">
            {count(plan.hypothesis?.probes.length ?? 0, 'steady-state probe')} · {count(plan.method.length, 'method activity', 'method activities')} · {count(plan.rollbacks.length, 'rollback')}
          </span>
        </p>
        {blocked && !running && (
          <p className="note run-why" id={whyId} data-testid="run-why">
            {blocked}
            {plan.needsVm && !vm.ready && (
              <>
                {' '}
                <a href="#/vm">Open the Lab VM panel</a>
              </>
            )}
          </p>
        )}
        {runError && <ErrorPanel title="The experiment did not start" error={runError} action={<button type="button" className="ghost small" onClick={() => setRunError(null)}>Dismiss</button>} />}
      </section>

      {model && <RunBanner model={model} run={shownRun} runId={live?.runId ?? runId} />}
      {!model && result.status === 'error' && <ErrorPanel error={result.error} />}

      <PhaseList plan={plan} model={model} />

      {confirmRemove && (
        <ConfirmDialog title="Remove this experiment?" confirmLabel="Remove" onCancel={() => setConfirmRemove(false)} onConfirm={remove}>
          <p>
            “{plan.title}” leaves the list of imported experiments. Its past runs and their journals stay; import the file again to run it again.
          </p>
        </ConfirmDialog>
      )}
    </article>
  )
}

/** A past run whose experiment is not in the list (run by the CLI, or removed since). */
function RunOnly({ runId, live }: { runId: number; live: Live | null }): ReactNode {
  const result = useRunResult(live ? null : runId)
  const model = live?.model ?? (result.status === 'ready' ? journalModel(result.value) : null)
  const run = result.status === 'ready' ? result.value : null
  return (
    <article className="experiment-detail" aria-labelledby="experiment-title" data-testid="experiment-detail">
      <section className="vm-card experiment-head">
        <p className="meta-line"><strong>Run #{runId}</strong>{run?.experimentId === null ? ' · not in the imported list (run from the command line, or removed)' : ''}</p>
        <h2 id="experiment-title">{run?.title ?? 'Loading…'}</h2>
        {run?.journal?.experiment.description && <p className="experiment-description">{run.journal.experiment.description}</p>}
      </section>
      {result.status === 'error' && <ErrorPanel error={result.error} />}
      {model && <RunBanner model={model} run={run} runId={runId} />}
      {model && <PhaseList plan={null} model={model} />}
      {run && !model && run.status !== 'running' && <p className="note">{run.outcome}</p>}
    </article>
  )
}

type Loaded<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; error: ErrorInfo } | { status: 'none' }

/** A finished run with its journal; re-read when the list changes (a run ended). */
function useRunResult(runId: number | null): Loaded<ExperimentRun> {
  const client = useClient()
  const [state, setState] = useState<Loaded<ExperimentRun>>({ status: 'none' })
  useEffect(() => {
    if (runId === null) {
      setState({ status: 'none' })
      return
    }
    let cancelled = false
    const load = (): void => {
      client.call('experiments:result', { runId }).then(
        (value) => !cancelled && setState({ status: 'ready', value }),
        (err: unknown) => !cancelled && setState({ status: 'error', error: toErrorInfo(err) }),
      )
    }
    setState((current) => (current.status === 'ready' && current.value.id === runId ? current : { status: 'loading' }))
    load()
    const off = client.on('experiments:changed', load)
    return () => {
      cancelled = true
      off()
    }
  }, [client, runId])
  return state
}

function RunBanner({ model, run, runId }: { model: RunModel; run: ExperimentRun | null; runId: number | null }): ReactNode {
  const headline = runHeadline(model)
  const before = model.phases[0]!
  const after = model.phases[2]!
  const rollbacks = model.phases[3]!
  const ranRollbacks = rollbacks.activities.filter((a) => a.status === 'ok' || a.status === 'failed').length
  return (
    <section className={`vm-card run-banner tone-${headline.tone}`} aria-labelledby="run-banner-title" data-testid="run-result" data-status={model.status} data-deviated={model.deviated}>
      <div className="run-banner-top">
        <span className="run-banner-icon" aria-hidden="true">
          {headline.tone === 'busy' ? <span className="spinner" /> : headline.tone === 'ok' ? '✓' : headline.tone === 'warn' ? '■' : '✕'}
        </span>
        <div className="run-banner-words">
          <p className="meta-line">
            <strong>{runId !== null ? `Run #${runId}` : 'Run'}</strong>
            {run && ` · ${DATE.format(run.startedAt)}`}
            {run?.endedAt != null && ` · ${duration(run.endedAt - run.startedAt)}`}
          </p>
          <h3 id="run-banner-title" data-testid="run-headline">{headline.label}</h3>
          <p className="run-outcome" role="status" aria-live="polite">
            {model.status === 'running' ? currentStep(model) : model.outcome}
          </p>
        </div>
        {run?.journal && <ExportButtons runId={run.id} />}
      </div>
      <dl className="run-facts">
        <div>
          <dt>Before</dt>
          <dd className={`fact-${before.status}`}>{phaseWord(before.status)}</dd>
        </div>
        <div>
          <dt>After</dt>
          <dd className={`fact-${after.status}`} data-testid="after-verdict">{phaseWord(after.status)}</dd>
        </div>
        <div>
          <dt>Rollbacks</dt>
          <dd className={rollbacks.status === 'failed' ? 'fact-failed' : ranRollbacks > 0 ? 'fact-met' : 'fact-none'}>
            {rollbacks.status === 'none' ? 'none declared' : `${ranRollbacks} of ${rollbacks.activities.length} ran${rollbacks.status === 'failed' ? ', one failed' : ''}`}
          </dd>
        </div>
      </dl>
    </section>
  )
}

function currentStep(model: RunModel): string {
  for (const phase of model.phases) {
    const active = phase.activities.find((a) => a.status === 'running')
    if (active) return `Running the ${active.type} “${active.name}”…`
    if (phase.status === 'running' && phase.note) return `${phase.note}…`
  }
  return 'Starting…'
}

function phaseWord(status: RunModel['phases'][number]['status']): string {
  switch (status) {
    case 'met':
      return 'steady state met'
    case 'not-met':
      return 'not met'
    case 'running':
      return 'checking…'
    case 'pending':
      return 'waiting'
    case 'skipped':
      return 'skipped'
    case 'none':
      return 'no hypothesis'
    case 'failed':
      return 'failed'
    case 'done':
      return 'done'
  }
}

const EXPORTS = [
  { format: 'json', label: 'Journal (JSON)', type: 'application/json', title: 'The Chaos Toolkit-style journal of this run' },
  { format: 'markdown', label: 'Report (Markdown)', type: 'text/markdown', title: 'This run as a report to read or hand in' },
] as const

function ExportButtons({ runId }: { runId: number }): ReactNode {
  const client = useClient()
  const toast = useToast()
  const exportAs = (item: (typeof EXPORTS)[number]): void => {
    client.call('experiments:journal', { runId, format: item.format }).then(
      ({ fileName, content }) => {
        downloadText(fileName, content, item.type)
        toast({ tone: 'ok', title: 'Exported', body: <p className="toast-text">Saved as <code>{fileName}</code> in your downloads.</p> })
      },
      (err: unknown) => toast({ tone: 'error', title: 'The run could not be exported', error: toErrorInfo(err) }),
    )
  }
  return (
    <div className="run-exports" role="group" aria-label="Export this run">
      {EXPORTS.map((item) => (
        <button key={item.format} type="button" className="ghost small" onClick={() => exportAs(item)} title={item.title}>
          ⤓ {item.label}
        </button>
      ))}
    </div>
  )
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

function duration(ms: number): string {
  const s = ms / 1000
  if (s < 10) return `${s.toFixed(1)} s`
  if (s < 120) return `${Math.round(s)} s`
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
}
