import type { CliContext } from './main'

/** `chaos-lab vm start|stop|status`: the VM panel's main actions, with the progress on stderr. */
export async function vmCommand(context: CliContext, action: 'start' | 'stop' | 'status'): Promise<number> {
  const core = context.createCore('browser')
  let lastPhase = ''
  const off = core.sandbox.onDidChangeStatus((status) => {
    const phase = status.action ? `${status.action.phase}${status.action.progress !== null ? ` (${Math.round(status.action.progress * 100)}%)` : ''}` : ''
    if (phase && phase !== lastPhase) context.err(`vm: ${phase}`)
    lastPhase = phase
  })
  try {
    let status = await core.sandbox.refresh()
    if (action === 'start') status = await core.sandbox.start()
    if (action === 'stop') status = await core.sandbox.stop()
    context.out(`${status.state}${status.connected ? ' (connected)' : ''} · ${status.detail}`)
    return status.state === 'error' ? 1 : 0
  } finally {
    off()
    core.dispose()
  }
}
