// The one gate every inbound call passes, whatever the transport: look the method up in the
// contract, validate its input with zod, run the handler, and answer with an envelope. Electron's
// IPC handler and the browser host both call `dispatch`; neither validates on its own.
import type { z } from 'zod'
import { apiMethods, isMethodName, type ApiHandlers } from './api'
import { AppError, toEnvelope, type Envelope } from './errors'

export function describeZodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(input)'
    return `${where}: ${issue.message}`
  })
}

export async function dispatch(handlers: ApiHandlers, method: unknown, input: unknown): Promise<Envelope<unknown>> {
  return toEnvelope(async () => {
    if (!isMethodName(method)) {
      throw new AppError({
        code: 'unknown-method',
        message: `The core has no method called ${JSON.stringify(method)}.`,
        fix: 'The window and the core are from different versions: restart Chaos Lab (or reload the page).',
      })
    }
    // JSON transports cannot carry `undefined`; a bare signal may arrive as null.
    const parsed = apiMethods[method].input.safeParse(input === null ? undefined : input)
    if (!parsed.success) {
      throw new AppError({
        code: 'bad-request',
        message: `The request "${method}" did not match the API contract.`,
        fix: 'The window and the core are from different versions: restart Chaos Lab (or reload the page).',
        details: describeZodIssues(parsed.error),
      })
    }
    const handler = handlers[method] as (input: unknown) => Promise<unknown>
    return handler(parsed.data)
  })
}
