// Lab packs (#/packs): folders of labs in the catalogue. The app's own labs are built in; a
// classroom pack (a workshop's labs, a teacher's folder) is added by its path, typed or pasted,
// and is kept across restarts. Broken labs in a pack show their problems under the catalogue.
import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react'
import type { LabPack } from '../../../electron/core/api'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient, useSnapshot } from '../api/hooks'
import { ErrorPanel } from '../components/ErrorPanel'
import { useToast } from '../components/Toasts'
import '../experiments/experiments.css'

export function LabPacksView({ onBack }: { onBack: () => void }): ReactNode {
  const client = useClient()
  const toast = useToast()
  const inputId = useId()
  const hintId = useId()
  const [packs, reload] = useSnapshot((c) => c.call('packs:list'), ['labs:changed'], [])
  const [path, setPath] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ErrorInfo | null>(null)

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const target = event.target as HTMLElement
      if (event.key === 'Escape' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) onBack()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onBack])

  const add = (event: FormEvent): void => {
    event.preventDefault()
    if (path.trim() === '' || busy) return
    setBusy(true)
    setError(null)
    client.call('packs:add', { path }).then(
      (list) => {
        setBusy(false)
        setPath('')
        reload()
        const added = list.at(-1)
        toast({
          tone: added && added.broken > 0 ? 'warn' : 'ok',
          title: 'Lab pack added',
          body: added && (
            <p className="toast-text">
              {packSummary(added)}. <a href="#/">Open the catalogue</a>
            </p>
          ),
        })
      },
      (err: unknown) => {
        setBusy(false)
        setError(toErrorInfo(err))
      },
    )
  }

  const remove = (pack: LabPack): void => {
    client.call('packs:remove', { path: pack.path }).then(
      () => {
        reload()
        toast({ tone: 'ok', title: 'Lab pack removed', body: <p className="toast-text">Its labs left the catalogue; the folder itself is untouched.</p> })
      },
      (err: unknown) => toast({ tone: 'error', title: 'The lab pack could not be removed', error: toErrorInfo(err) }),
    )
  }

  return (
    <main className="packs-page" aria-labelledby="packs-title">
      <header className="page-header">
        <div>
          <h1 id="packs-title">Lab packs</h1>
          <p className="muted">Folders of labs in your catalogue. Add a classroom pack (a workshop’s or a teacher’s folder of labs) and its labs appear next to the built-in ones.</p>
        </div>
        <button type="button" className="ghost" onClick={onBack} aria-label="Back to labs (Esc)">
          ← Labs
        </button>
      </header>

      <section className="vm-card" aria-labelledby="add-pack-title">
        <div className="card-head">
          <h2 id="add-pack-title">Add a lab pack</h2>
        </div>
        <form className="pack-form" onSubmit={add}>
          <div className="field">
            <label htmlFor={inputId}>Folder (full path)</label>
            <input
              id={inputId}
              type="text"
              value={path}
              onChange={(e) => setPath(e.target.value)}
              placeholder="/home/you/workshop-labs"
              spellCheck={false}
              autoComplete="off"
              aria-describedby={hintId}
              data-testid="pack-path"
            />
          </div>
          <button type="submit" disabled={busy || path.trim() === ''} data-testid="add-pack">
            {busy ? 'Adding…' : 'Add pack'}
          </button>
        </form>
        <p className="muted small" id={hintId}>
          Type or paste the path of the folder that holds the lab folders (each with a <code>lab.yaml</code>). <code>~/</code> works. Labs that fail to load are listed under the catalogue with the file, the line and the fix.
        </p>
        {error && (
          <div className="pack-error">
            <ErrorPanel error={error} action={<button type="button" className="ghost small" onClick={() => setError(null)}>Dismiss</button>} />
          </div>
        )}
      </section>

      <section className="vm-card" aria-labelledby="pack-list-title">
        <div className="card-head">
          <h2 id="pack-list-title">In the catalogue</h2>
        </div>
        {packs.status === 'loading' && <div className="skeleton-row" aria-busy="true" />}
        {packs.status === 'error' && <ErrorPanel error={packs.error} action={<button type="button" onClick={reload}>Try again</button>} />}
        {packs.status === 'ready' && (
          <ul className="pack-list" data-testid="pack-list">
            {packs.value.map((pack) => (
              <li key={pack.path} className="pack" data-testid="pack" data-path={pack.path}>
                <div className="pack-words">
                  <code className="pack-path">{pack.path}</code>
                  <span className="pack-facts">
                    <span className={`provider-chip ${pack.builtIn ? 'vm' : 'http'}`}>{pack.builtIn ? 'Built in' : 'Added'}</span>
                    {!pack.exists ? (
                      <span className="pack-missing">Folder not found: connect the drive, or remove the pack</span>
                    ) : (
                      <span data-testid="pack-summary">{packSummary(pack)}</span>
                    )}
                    {pack.broken > 0 && (
                      <a href="#/" className="small">
                        See the problems
                      </a>
                    )}
                  </span>
                </div>
                {!pack.builtIn && (
                  <button type="button" className="ghost small" onClick={() => remove(pack)} aria-label={`Remove the lab pack ${pack.path}`}>
                    Remove
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  )
}

function packSummary(pack: LabPack): ReactNode {
  const labs = `${pack.labs} ${pack.labs === 1 ? 'lab' : 'labs'}`
  if (pack.broken === 0) return labs
  return (
    <>
      {labs} · <span className="pack-broken">{pack.broken} with problems</span>
    </>
  )
}
