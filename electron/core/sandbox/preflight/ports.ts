import { createServer } from 'node:net'
import type { PreflightCheck } from '../../api'

const TITLE = 'Forwarded ports'

type PortState = 'free' | 'in-use' | 'forbidden' | 'invalid'

/** Bind the port the way Vagrant's forward will (127.0.0.1 only), then let it go again. */
function tryPort(port: number): Promise<PortState> {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return Promise.resolve('invalid')
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve('in-use')
      else if (error.code === 'EACCES') resolve('forbidden')
      else reject(error)
    })
    server.listen(port, '127.0.0.1', () => {
      server.close(() => resolve('free'))
    })
  })
}

function ownerCommand(port: number): string {
  switch (process.platform) {
    case 'linux':
      return `ss -ltnp 'sport = :${port}'`
    case 'darwin':
      return `lsof -i :${port}`
    case 'win32':
      return `netstat -ano | findstr :${port}`
    default:
      return `lsof -i :${port}`
  }
}

export async function checkPorts(ports: number[]): Promise<PreflightCheck> {
  const unique = [...new Set(ports)]
  if (unique.length === 0) return { id: 'ports', title: TITLE, status: 'ok', detail: 'no forwarded ports', fix: '' }
  const states = await Promise.all(unique.map(async (port) => [port, await tryPort(port)] as const))
  const having = (state: PortState) => states.filter(([, s]) => s === state).map(([port]) => port)
  const inUse = having('in-use')
  const forbidden = having('forbidden')
  const invalid = having('invalid')
  if (inUse.length + forbidden.length + invalid.length === 0) {
    return { id: 'ports', title: TITLE, status: 'ok', detail: `${unique.length === 1 ? 'Port' : 'Ports'} ${unique.join(', ')} free on 127.0.0.1`, fix: '' }
  }

  const problems: string[] = []
  const fixes: string[] = []
  if (inUse.length > 0) {
    problems.push(`${inUse.length === 1 ? 'Port' : 'Ports'} ${inUse.join(', ')} already in use on 127.0.0.1`)
    fixes.push(
      `Find the program holding ${inUse.length === 1 ? 'it' : 'each'} with ${inUse.map((port) => `\`${ownerCommand(port)}\``).join(', ')} and stop it (or move it to another port). If the Chaos Lab VM is already running, it holds these ports itself and nothing needs fixing.`,
    )
  }
  if (forbidden.length > 0) {
    problems.push(`${forbidden.length === 1 ? 'Port' : 'Ports'} ${forbidden.join(', ')} ${forbidden.length === 1 ? 'needs' : 'need'} administrator rights`)
    fixes.push(`Forward ${forbidden.length === 1 ? 'it' : 'them'} to a host port above 1023 instead.`)
  }
  if (invalid.length > 0) {
    problems.push(`${invalid.join(', ')} ${invalid.length === 1 ? 'is not a valid port' : 'are not valid ports'}`)
    fixes.push('Use host ports from 1024 to 65535.')
  }
  return { id: 'ports', title: TITLE, status: 'fail', detail: `${problems.join('. ')}.`, fix: fixes.join(' ') }
}
