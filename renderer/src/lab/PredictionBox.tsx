// "Predict first": the learner writes down what they expect before running the experiment, so
// the outcome has something to be compared with (the journal shows both). Saved in the core's
// database, so it is there after a reload and in the exported journal.
import { useId, useState, type KeyboardEvent, type ReactNode } from 'react'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient } from '../api/hooks'
import { ErrorPanel } from '../components/ErrorPanel'
import { isSubmitShortcut } from './shortcuts'

const MAX_LENGTH = 2000

export function PredictionBox(props: { labId: string; stepId: string; question: string; saved: string | null }): ReactNode {
  const { labId, stepId, question, saved } = props
  const client = useClient()
  const id = useId()
  // The text being edited; null when untouched (then the saved prediction shows, if any: it may
  // arrive after the first render, when the progress has been read).
  const [draft, setDraft] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<ErrorInfo | null>(null)
  // What this window saved last: shown at once, before the progress re-read brings it back.
  const [justSaved, setJustSaved] = useState<string | null>(null)
  const shown = justSaved ?? saved
  const editing = draft !== null || shown === null

  const save = (): void => {
    const text = (draft ?? '').trim()
    if (!text || saving) return
    setSaving(true)
    setError(null)
    client.call('lab:predict', { labId, stepId, text }).then(
      () => {
        setSaving(false)
        setJustSaved(text)
        setDraft(null)
      },
      (err: unknown) => {
        setSaving(false)
        setError(toErrorInfo(err))
      },
    )
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (isSubmitShortcut(event)) {
      event.preventDefault()
      save()
    } else if (event.key === 'Escape' && shown !== null) {
      // Escape cancels the edit (and must not also leave the lab).
      event.preventDefault()
      event.stopPropagation()
      setDraft(null)
    }
  }

  return (
    <section className={editing ? 'predict' : 'predict saved'} aria-labelledby={`${id}-question`} data-testid="prediction">
      <p className="section-label">Predict first</p>
      <p className="predict-question" id={`${id}-question`}>{question}</p>
      {editing ? (
        <>
          <textarea
            id={`${id}-text`}
            aria-labelledby={`${id}-question`}
            aria-describedby={`${id}-why`}
            rows={3}
            maxLength={MAX_LENGTH}
            placeholder="Your guess, before you try it: a number, a sentence…"
            value={draft ?? ''}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onKeyDown}
          />
          <div className="predict-actions">
            <button type="button" className="small" disabled={saving || !(draft ?? '').trim()} onClick={save} aria-keyshortcuts="Control+Enter">
              {saving ? 'Saving…' : 'Save prediction'}
            </button>
            {shown !== null && (
              <button type="button" className="ghost small" onClick={() => setDraft(null)}>
                Cancel
              </button>
            )}
            <span className="muted small" id={`${id}-why`}><kbd>Ctrl+Enter</kbd> saves. Your journal shows it next to what really happens.</span>
          </div>
        </>
      ) : (
        <div className="predict-saved">
          <p className="predict-text" data-testid="prediction-text">{shown}</p>
          <button type="button" className="ghost small" onClick={() => setDraft(shown ?? '')} aria-label="Edit your prediction">
            Edit
          </button>
        </div>
      )}
      {error && <ErrorPanel error={error} />}
    </section>
  )
}
