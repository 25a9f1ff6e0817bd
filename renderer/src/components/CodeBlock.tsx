import { useState, type ReactNode } from 'react'

/** A command block from a lab step. Copy now; Run arrives with the lab terminals. */
export function CodeBlock({ code, lang }: { code: string; lang: string }): ReactNode {
  const [copied, setCopied] = useState(false)
  const copy = (): void => {
    void navigator.clipboard?.writeText(code).then(() => {
      setCopied(true)
      setTimeout(() => setCopied(false), 1500)
    })
  }
  return (
    <div className="code-block" data-lang={lang || undefined}>
      <pre><code>{code}</code></pre>
      <div className="code-actions">
        <button type="button" className="ghost small" onClick={copy} aria-label="Copy command">
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  )
}
