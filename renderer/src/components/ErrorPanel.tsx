import type { ReactNode } from 'react'
import type { ErrorInfo } from '../../../electron/core/errors'

/** How every error looks: what happened, what to do, and the details folded away. */
export function ErrorPanel({ error, action }: { error: ErrorInfo; action?: ReactNode }): ReactNode {
  return (
    <div className="error-panel" role="alert">
      <div className="error-icon" aria-hidden="true">!</div>
      <div className="error-body">
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
