import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'
import type { LabProblem, LabStatus, LabSummary } from '../../../electron/core/api'
import { useSnapshot } from '../api/hooks'
import { ErrorPanel } from '../components/ErrorPanel'
import { SetupBanner } from '../components/SetupBanner'

const STATUS_LABEL: Record<LabStatus, string> = { new: 'Not started', 'in-progress': 'In progress', completed: 'Completed' }

export function Catalogue({ onOpen, onOpenVm }: { onOpen: (id: string) => void; onOpenVm: () => void }): ReactNode {
  const [catalogue, reload] = useSnapshot((c) => c.call('labs:list'), ['labs:changed', 'progress:changed'], [])
  const [filter, setFilter] = useState('')
  const filterInput = useRef<HTMLInputElement>(null)
  const grid = useRef<HTMLDivElement>(null)

  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent): void => {
      if (event.key === '/' && document.activeElement?.tagName !== 'INPUT') {
        event.preventDefault()
        filterInput.current?.focus()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const labs = useMemo(() => {
    if (catalogue.status !== 'ready') return []
    const needle = filter.trim().toLowerCase()
    const all = [...catalogue.value.labs].sort((a, b) => (a.chapter ?? 99) - (b.chapter ?? 99) || a.title.localeCompare(b.title))
    if (!needle) return all
    return all.filter((lab) => [lab.title, lab.topic, lab.summary, lab.source].some((field) => field.toLowerCase().includes(needle)))
  }, [catalogue, filter])

  // Arrow keys move between cards in reading order, like a file manager.
  const onGridKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const cards = [...(grid.current?.querySelectorAll<HTMLButtonElement>('.lab-card') ?? [])]
    const index = cards.indexOf(document.activeElement as HTMLButtonElement)
    if (index < 0) return
    const columns = Math.max(1, Math.round(grid.current!.clientWidth / (cards[0]!.offsetWidth + 16)))
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns }
    const move = moves[event.key]
    if (move === undefined) return
    event.preventDefault()
    cards[Math.min(cards.length - 1, Math.max(0, index + move))]?.focus()
  }

  return (
    <main className="catalogue" aria-labelledby="catalogue-title">
      <SetupBanner onOpenVm={onOpenVm} />
      <header className="page-header">
        <div>
          <h1 id="catalogue-title">Labs</h1>
          <p className="muted">Break things on purpose, in a VM you can always reset. Pick a lab to begin.</p>
        </div>
        <label className="search">
          <span className="visually-hidden">Filter labs</span>
          <input ref={filterInput} type="search" placeholder="Filter labs" aria-keyshortcuts="/" value={filter} onChange={(e) => setFilter(e.target.value)} />
          {filter === '' && <kbd className="search-hint" aria-hidden="true">/</kbd>}
        </label>
      </header>

      {catalogue.status === 'loading' && <div className="card-grid" aria-busy="true">{[0, 1, 2].map((n) => <div key={n} className="lab-card skeleton" />)}</div>}
      {catalogue.status === 'error' && <ErrorPanel error={catalogue.error} action={<button type="button" onClick={reload}>Try again</button>} />}
      {catalogue.status === 'ready' && (
        <>
          {catalogue.value.labs.length === 0 && catalogue.value.problems.length === 0 && (
            <div className="empty-state">
              <h2>No labs yet</h2>
              <p className="muted">Chaos Lab looks for lab folders (each with a lab.yaml) in its labs folder. Add one, or open a lab pack.</p>
            </div>
          )}
          {catalogue.value.labs.length > 0 && labs.length === 0 && (
            <div className="empty-state">
              <h2>No lab matches “{filter}”</h2>
              <button type="button" className="ghost" onClick={() => setFilter('')}>Clear the filter</button>
            </div>
          )}
          <div className="card-grid" ref={grid} onKeyDown={onGridKeyDown}>
            {labs.map((lab) => <LabCard key={lab.id} lab={lab} onOpen={onOpen} />)}
          </div>
          {catalogue.value.problems.length > 0 && <Problems problems={catalogue.value.problems} />}
        </>
      )}
    </main>
  )
}

function LabCard({ lab, onOpen }: { lab: LabSummary; onOpen: (id: string) => void }): ReactNode {
  return (
    <button type="button" className="lab-card" data-lab-id={lab.id} onClick={() => onOpen(lab.id)} aria-label={`${lab.title}, ${lab.source}, ${lab.minutes} minutes, ${STATUS_LABEL[lab.status]}`}>
      <div className="card-top">
        <span className="chip">{lab.topic}</span>
        <span className="muted small">{lab.source}</span>
      </div>
      <h2 className="card-title">{lab.title}</h2>
      <p className="card-summary">{lab.summary}</p>
      <div className="card-bottom">
        <span className="muted small">{lab.minutes} min · {lab.stepCount} {lab.stepCount === 1 ? 'step' : 'steps'}</span>
        <span className={`status-badge status-${lab.status}`} data-testid="lab-status">{STATUS_LABEL[lab.status]}</span>
      </div>
    </button>
  )
}

function Problems({ problems }: { problems: LabProblem[] }): ReactNode {
  const byLab = new Map<string, LabProblem[]>()
  for (const problem of problems) byLab.set(problem.labDir, [...(byLab.get(problem.labDir) ?? []), problem])
  return (
    <section className="problems" aria-labelledby="problems-title">
      <h2 id="problems-title">
        {byLab.size === 1 ? 'One lab folder could not be loaded' : `${byLab.size} lab folders could not be loaded`}
      </h2>
      <p className="muted">The other labs work as usual. Fix the files below, then reopen the catalogue.</p>
      <ul>
        {problems.map((problem, index) => (
          <li key={index} className="problem">
            <code className="problem-where">{problem.file}{problem.line ? `:${problem.line}` : ''}</code>
            <span className="problem-message">{problem.message}</span>
            <span className="problem-fix">{problem.fix}</span>
          </li>
        ))}
      </ul>
    </section>
  )
}
