import { useEffect, useState, type ReactNode } from 'react'
import { useSnapshot } from '../api/hooks'
import { ErrorPanel } from '../components/ErrorPanel'
import { Markdown } from '../components/Markdown'
import { SplitPane } from '../components/SplitPane'
import { TerminalsProvider } from '../terminal/TerminalsProvider'
import { TerminalWorkspace } from '../terminal/TerminalWorkspace'

export function LabView({ labId, onBack }: { labId: string; onBack: () => void }): ReactNode {
  const [lab, reload] = useSnapshot((c) => c.call('labs:open', { id: labId }), [], [labId])
  const [stepIndex, setStepIndex] = useState(0)
  const stepCount = lab.status === 'ready' ? lab.value.steps.length : 0

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const typing = ['INPUT', 'TEXTAREA'].includes((event.target as HTMLElement).tagName)
      if (typing) return
      if (event.key === 'Escape') onBack()
      else if (event.key === ']' || (event.altKey && event.key === 'ArrowDown')) setStepIndex((i) => Math.min(stepCount - 1, i + 1))
      else if (event.key === '[' || (event.altKey && event.key === 'ArrowUp')) setStepIndex((i) => Math.max(0, i - 1))
      else return
      event.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onBack, stepCount])

  if (lab.status === 'loading') return <main className="lab-view" aria-busy="true" />
  if (lab.status === 'error') {
    return (
      <main className="lab-view padded">
        <ErrorPanel error={lab.error} action={<div className="row"><button type="button" onClick={reload}>Try again</button><button type="button" className="ghost" onClick={onBack}>Back to labs</button></div>} />
      </main>
    )
  }

  const { steps } = lab.value
  const step = steps[Math.min(stepIndex, steps.length - 1)]!

  const stepsPane = (
    <section className="steps-pane" aria-label="Steps">
      <ol className="step-list">
        {steps.map((s, index) => (
          <li key={s.id}>
            <button type="button" className={index === stepIndex ? 'step-link current' : 'step-link'} aria-current={index === stepIndex ? 'step' : undefined} onClick={() => setStepIndex(index)}>
              <span className="step-number">{index + 1}</span>
              <span>{s.title}</span>
            </button>
          </li>
        ))}
      </ol>
      <article className="step" aria-labelledby="step-title">
        <p className="eyebrow">Step {stepIndex + 1} of {steps.length}</p>
        <h2 id="step-title">{step.title}</h2>
        <Markdown source={step.body} />
        <nav className="step-nav" aria-label="Step navigation">
          <button type="button" className="ghost" disabled={stepIndex === 0} onClick={() => setStepIndex(stepIndex - 1)}>← Previous</button>
          <button type="button" disabled={stepIndex === steps.length - 1} onClick={() => setStepIndex(stepIndex + 1)}>Next step →</button>
        </nav>
      </article>
    </section>
  )

  return (
    <main className="lab-view" aria-labelledby="lab-title">
      <header className="lab-header">
        <button type="button" className="ghost back" onClick={onBack} aria-label="Back to labs (Esc)">← Labs</button>
        <div className="lab-heading">
          <h1 id="lab-title">{lab.value.title}</h1>
          <span className="muted small">{lab.value.source} · {lab.value.topic} · {lab.value.minutes} min</span>
        </div>
      </header>
      <TerminalsProvider labId={labId}>
        <SplitPane id="lab" label="Resize steps and workspace" left={stepsPane} right={<TerminalWorkspace />} />
      </TerminalsProvider>
    </main>
  )
}
