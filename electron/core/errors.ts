// Errors are values with a user-facing message, a fix and details. They cross every boundary
// (IPC, WebSocket, CLI) as the `failure` half of an envelope, and the client rebuilds an
// AppError from it, so a renderer never has to parse a stack trace to tell the learner what
// to do next. No Node or DOM imports: the renderer shares this file.

/** Stable, machine-readable error codes. The UI may special-case some; all have a message. */
export const ERROR_CODES = [
  'bad-request', // a message did not match the API contract
  'unknown-method',
  'not-found',
  'lab-invalid',
  'storage',
  'vm', // anything the sandbox reports; `details` carries the classified cause
  'unauthorized',
  'disconnected',
  'internal',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export interface ErrorInfo {
  code: ErrorCode
  /** One sentence for a person: what went wrong. */
  message: string
  /** One sentence for a person: what to do about it. Empty only when nothing can be done. */
  fix: string
  /** Supporting lines (log tail, validation issues, the failing command). */
  details: string[]
}

export class AppError extends Error implements ErrorInfo {
  readonly code: ErrorCode
  readonly fix: string
  readonly details: string[]

  constructor(info: { code: ErrorCode; message: string; fix?: string; details?: string[] }) {
    super(info.message)
    this.name = 'AppError'
    this.code = info.code
    this.fix = info.fix ?? ''
    this.details = info.details ?? []
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message, fix: this.fix, details: this.details }
  }
}

/** Turn anything thrown into ErrorInfo without losing what it said. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof AppError) return err.toInfo()
  const message = err instanceof Error ? err.message : String(err)
  const details = err instanceof Error && err.stack ? err.stack.split('\n').slice(1, 8).map((l) => l.trim()) : []
  return {
    code: 'internal',
    message: `Unexpected error: ${message}`,
    fix: 'This is a bug in Chaos Lab. Please report it with the details below.',
    details,
  }
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo }

export async function toEnvelope<T>(work: () => Promise<T> | T): Promise<Envelope<T>> {
  try {
    return { ok: true, value: await work() }
  } catch (err) {
    return { ok: false, error: toErrorInfo(err) }
  }
}

export function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.value
  throw new AppError(envelope.error)
}
