import type { ReactNode } from 'react'
import type { ErrorInfo } from '../../../electron/core/errors'

/**
 * How every error looks: what happened, what to do, and the details folded away. `title` names
 * the action that failed when the panel shows up away from its button (a toast).
 */
export function ErrorPanel({ error, action, title }: { error: ErrorInfo; action?: ReactNode; title?: string }): ReactNode {
  return (
    <div className="error-panel" role="alert">
      <div className="error-icon" aria-hidden="true">!</div>
      <div className="error-body">
        {title && <p className="error-title">{title}</p>}
        <p className="error-message">{error.message}</p>
        {error.fix && <p className="error-fix">{error.fix}</p>}
        {error.details.length > 0 && (
          <details>
            <summary>Details</summary>
            <pre>{error.details.join('\n')}</pre>
          </details>
        )}
        {action}
      </div>
    </div>
  )
}
