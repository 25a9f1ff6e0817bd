// A lab: its header (with the lab's own actions), the steps pane and the terminal workspace.
// The steps pane follows the core: step status from the database, check results as they come.
import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { LabDetail, StepProgress } from '../../../electron/core/api'
import { useClient, useSnapshot } from '../api/hooks'
import { ErrorPanel } from '../components/ErrorPanel'
import { Markdown } from '../components/Markdown'
import { SplitPane } from '../components/SplitPane'
import { CheckPanel } from '../lab/CheckPanel'
import { useCheckResults, useLabProgress, type ProgressMap } from '../lab/hooks'
import { LabBar } from '../lab/LabBar'
import { PredictionBox } from '../lab/PredictionBox'
import { StepDone } from '../lab/StepDone'
import { StepFaults } from '../lab/StepFaults'
import { StepHelp } from '../lab/StepHelp'
import { StepList } from '../lab/StepList'
import { TerminalsProvider } from '../terminal/TerminalsProvider'
import { TerminalWorkspace } from '../terminal/TerminalWorkspace'
import { ChartsPanel } from '../charts/ChartsPanel'
import { BrowserPane } from '../browser/BrowserPane'

const pendingLeave = new Map<string, ReturnType<typeof setTimeout>>()

export function LabView({ labId, onBack }: { labId: string; onBack: () => void }): ReactNode {
  const client = useClient()
  const [lab, reload] = useSnapshot((c) => c.call('labs:open', { id: labId }), [], [labId])
  const { progress } = useLabProgress(labId)
  const [checks, recordCheck] = useCheckResults(labId)
  const [stepIndex, setStepIndex] = useState(0)
  const [chartsOpen, setChartsOpen] = useState(() => localStorage.getItem('chaos-lab:charts-open') !== 'false')
  useEffect(() => localStorage.setItem('chaos-lab:charts-open', String(chartsOpen)), [chartsOpen])
  // Ctrl+Shift+G shows or hides the charts from anywhere in the lab, terminals included: caught
  // in the capture phase, before xterm turns it into ^G.
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (!(event.ctrlKey && event.shiftKey && event.key.toLowerCase() === 'g')) return
      event.preventDefault()
      event.stopPropagation()
      setChartsOpen((open) => !open)
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [])
  // Whether the learner has picked a step yet; until then, opening the lab resumes at its
  // first step that is not done.
  const picked = useRef(false)
  const stepCount = lab.status === 'ready' ? lab.value.steps.length : 0

  const goTo = (index: number): void => {
    picked.current = true
    setStepIndex(index)
  }

  // Leaving the lab view, however it happens (back, Esc, another route): its checks stop and
  // its faults are reverted, so nothing stays broken behind the learner's back. A tick late, and
  // cancelled by a remount of the same lab: React's StrictMode (in development) unmounts and
  // remounts every component once, which must not revert the faults of a lab still on screen.
  useEffect(() => {
    clearTimeout(pendingLeave.get(labId))
    pendingLeave.delete(labId)
    return () => {
      pendingLeave.set(
        labId,
        setTimeout(() => {
          pendingLeave.delete(labId)
          void client.call('lab:leave', { id: labId }).catch(() => undefined)
        }, 0),
      )
    }
  }, [client, labId])

  useEffect(() => {
    if (picked.current || !progress || lab.status !== 'ready') return
    picked.current = true
    const firstOpen = lab.value.steps.findIndex((s) => (progress.get(s.id)?.status ?? 'open') === 'open')
    if (firstOpen > 0) setStepIndex(firstOpen)
  }, [progress, lab])

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes((event.target as HTMLElement).tagName)
      // An open dialog (the shortcuts list, a confirmation) owns Escape and the keys.
      if (typing || document.querySelector('[aria-modal="true"]')) return
      if (event.key === 'Escape') onBack()
      else if (event.key === ']' || (event.altKey && event.key === 'ArrowDown')) goTo(Math.min(stepCount - 1, stepIndex + 1))
      else if (event.key === '[' || (event.altKey && event.key === 'ArrowUp')) goTo(Math.max(0, stepIndex - 1))
      else return
      event.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onBack, stepCount, stepIndex])

  if (lab.status === 'loading') return <main className="lab-view" aria-busy="true" />
  if (lab.status === 'error') {
    return (
      <main className="lab-view padded">
        <ErrorPanel error={lab.error} action={<div className="row"><button type="button" onClick={reload}>Try again</button><button type="button" className="ghost" onClick={onBack}>Back to labs</button></div>} />
      </main>
    )
  }

  const detail = lab.value
  const index = Math.min(stepIndex, detail.steps.length - 1)
  const allDone = progress !== null && detail.steps.every((s) => (progress.get(s.id)?.status ?? 'open') !== 'open')

  const stepsPane = (
    <section className="steps-pane" aria-label="Steps">
      <StepList steps={detail.steps} current={index} progress={progress} onSelect={goTo} />
      <StepArticle key={detail.steps[index]!.id} lab={detail} index={index} progress={progress} check={checks.get(detail.steps[index]!.id)} onCheck={recordCheck} onGo={goTo} />
    </section>
  )

  return (
    <main className="lab-view" aria-labelledby="lab-title">
      <header className="lab-header">
        <button type="button" className="ghost back" onClick={onBack} aria-label="Back to labs (Esc)">← Labs</button>
        <div className="lab-heading">
          <h1 id="lab-title">{detail.title}</h1>
          <span className="muted small">{detail.source} · {detail.topic} · {detail.minutes} min</span>
        </div>
        <LabBar labId={labId} allDone={allDone} />
      </header>
      <TerminalsProvider labId={labId}>
        <SplitPane
          id="lab"
          label="Resize steps and workspace"
          left={stepsPane}
          right={
            <div className={`workspace-column${chartsOpen ? ' with-charts' : ''}`}>
              {detail.browser && <BrowserPane labId={labId} />}
              <TerminalWorkspace />
              <button type="button" className="charts-toggle ghost small" onClick={() => setChartsOpen((o) => !o)} aria-expanded={chartsOpen} title="Show or hide the live charts (Ctrl+Shift+G)" data-testid="charts-toggle">
                {chartsOpen ? '▾ Hide charts' : '▸ Live charts'}
              </button>
              {chartsOpen && <ChartsPanel labId={labId} />}
            </div>
          }
        />
      </TerminalsProvider>
    </main>
  )
}

/** One step: prediction first, then the text, its faults, its check, the outcome and help. */
function StepArticle(props: {
  lab: LabDetail
  index: number
  progress: ProgressMap | null
  check: Parameters<typeof CheckPanel>[0]['result']
  onCheck: Parameters<typeof CheckPanel>[0]['onResult']
  onGo: (index: number) => void
}): ReactNode {
  const { lab, index, progress, check, onCheck, onGo } = props
  const steps = lab.steps
  const step = steps[index]!
  const saved = progress?.get(step.id) ?? null
  // A pass counts at once, before the progress re-read confirms it.
  const outcome: StepProgress | null =
    saved && saved.status !== 'open' ? saved : check?.passed ? { stepId: step.id, status: 'passed', attempts: saved?.attempts ?? 0, passedAt: check.at, prediction: saved?.prediction ?? null } : null
  const next = index < steps.length - 1 ? { number: index + 2, title: steps[index + 1]!.title } : null

  return (
    <article className="step" aria-labelledby="step-title" data-step-id={step.id}>
      <div className="step-head">
        <p className="eyebrow" data-testid="step-number">Step {index + 1} of {steps.length}</p>
        {outcome && <span className={`status-badge status-${outcome.status}`}>{outcome.status === 'passed' ? 'Passed' : 'Skipped'}</span>}
      </div>
      <h2 id="step-title">{step.title}</h2>
      {step.predict && progress !== null && <PredictionBox labId={lab.id} stepId={step.id} question={step.predict} saved={saved?.prediction ?? null} />}
      <Markdown source={step.body} />
      <StepFaults labId={lab.id} faultIds={step.faults} faults={lab.faults} />
      {step.check ? (
        <CheckPanel labId={lab.id} stepId={step.id} check={step.check} result={check} onResult={onCheck} />
      ) : (
        <p className="no-check muted small">This step has no automatic check: move on when you are done.</p>
      )}
      {outcome && <StepDone progress={outcome} predicted={step.predict !== null} next={next} onNext={() => next && onGo(index + 1)} />}
      <StepHelp labId={lab.id} step={step} done={outcome !== null} />
      <nav className="step-nav" aria-label="Step navigation">
        <button type="button" className="ghost" disabled={index === 0} onClick={() => onGo(index - 1)}>← Previous</button>
        <button type="button" className={outcome && next ? 'next-ready' : undefined} disabled={next === null} onClick={() => onGo(index + 1)}>Next step →</button>
      </nav>
    </article>
  )
}
