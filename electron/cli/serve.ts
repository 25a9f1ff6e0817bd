import { startHost } from '../host/server'
import type { CliContext } from './main'

export async function serve(context: CliContext, options: { port: number; json: boolean }): Promise<number> {
  const core = context.createCore('browser')
  const host = await startHost({ core, rendererDir: context.rendererDir, port: options.port })
  core.start()
  if (options.json) context.out(JSON.stringify({ url: host.url, port: host.port }))
  else {
    context.out(host.url)
    context.err(`Chaos Lab ${context.version} is serving on 127.0.0.1:${host.port}. Open the URL above in a browser; Ctrl+C stops it.`)
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await host.close()
  // Faults injected from the browser are reverted before the process goes.
  await core.shutdown()
  return 0
}
