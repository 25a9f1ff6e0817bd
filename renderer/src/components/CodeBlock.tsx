import { useState, type ReactNode } from 'react'
import { useTerminalRunner } from '../terminal/TerminalsProvider'

/** Fences whose text is a shell command the lab's terminal can run. */
const SHELL_LANGS = new Set(['sh', 'bash', 'shell'])

/** A command block from a lab step: Copy, and for shell commands Run (in the active terminal). */
export function CodeBlock({ code, lang }: { code: string; lang: string }): ReactNode {
  const runner = useTerminalRunner()
  const [copied, setCopied] = useState(false)
  const [running, setRunning] = useState(false)
  const copy = (): void => {
    void navigator.clipboard?.writeText(code).then(() => {
      setCopied(true)
      setTimeout(() => setCopied(false), 1500)
    })
  }
  const canRun = runner !== null && SHELL_LANGS.has(lang.toLowerCase()) && code.trim() !== ''
  const run = (): void => {
    if (!runner || running) return
    setRunning(true)
    void runner.run(code).finally(() => setRunning(false))
  }
  const target = runner?.activeId ? 'the active terminal' : runner?.vmShell.available ? 'a new VM shell' : 'a new host shell'
  return (
    <div className="code-block" data-lang={lang || undefined}>
      <pre><code>{code}</code></pre>
      <div className="code-actions">
        {canRun && (
          <button type="button" className="small run" onClick={run} disabled={running || runner.terminals === null} aria-label="Run in terminal" title={`Run in ${target}`} data-testid="run-command">
            <svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true"><path d="M2 1.2v7.6L8.6 5z" fill="currentColor" /></svg>
            Run
          </button>
        )}
        <button type="button" className="ghost small" onClick={copy} aria-label="Copy command">
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  )
}
