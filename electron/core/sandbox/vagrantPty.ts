// Long Vagrant operations (up, halt, destroy, snapshot) run in a PTY: Vagrant and its
// provisioners flush output line by line only to a terminal, and the user can watch the exact
// stream in the VM panel's log. With --machine-readable every line is a record we can parse
// into progress; the plain text of each record goes to the log.
import { spawn } from 'node-pty'
import { parseMachineReadable, type VagrantRecord } from './machineReadable'
import type { VagrantEnvironment } from './vagrantCli'
import { stripAnsi } from './failures'

export interface PtyRunResult {
  code: number
  /** Everything Vagrant printed (records and stray lines), for failure classification. */
  output: string
  /** The process could not be started at all (e.g. vagrant missing). */
  spawnError: Error | null
  timedOut: boolean
}

export interface PtyRunHandlers {
  /** Each record as it arrives. */
  onRecord?: (record: VagrantRecord) => void
  /** Human-readable log lines (the text of ui records, and anything not machine-readable). */
  onLogLine?: (line: string) => void
}

export function runVagrantInPty(environment: VagrantEnvironment, args: string[], handlers: PtyRunHandlers, timeoutMs: number): Promise<PtyRunResult> {
  return new Promise((resolve) => {
    let output = ''
    let pending = ''
    let timedOut = false
    let child: ReturnType<typeof spawn>
    try {
      child = spawn(environment.executable ?? 'vagrant', [...args, '--machine-readable'], {
        name: 'xterm-256color',
        // Wide, so Vagrant does not wrap long lines into several records.
        cols: 400,
        rows: 50,
        cwd: environment.vagrantDir,
        env: {
          ...process.env,
          VAGRANT_DOTFILE_PATH: environment.dotfilePath,
          VAGRANT_CHECKPOINT_DISABLE: '1',
          VAGRANT_NO_COLOR: '1',
          ...environment.env,
        } as Record<string, string>,
      })
    } catch (err) {
      resolve({ code: 127, output: '', spawnError: err as Error, timedOut: false })
      return
    }

    const handleLine = (raw: string): void => {
      const line = stripAnsi(raw).replace(/\r/g, '')
      if (line.trim() === '') return
      const [record] = parseMachineReadable(line)
      if (!record) {
        handlers.onLogLine?.(line)
        return
      }
      handlers.onRecord?.(record)
      for (const text of logTextOf(record)) handlers.onLogLine?.(text)
    }

    child.onData((data) => {
      output += data
      pending += data
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) handleLine(line)
    })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGINT')
      // Vagrant cleans up on the first interrupt; a second one is a hard stop.
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref()
    }, timeoutMs)
    child.onExit(({ exitCode }) => {
      clearTimeout(timer)
      if (pending) handleLine(pending)
      // node-pty reports a missing executable as exit 1 with an execvp message, not an error.
      const notFound = /execvp\(3\) failed|No such file or directory/.test(output.slice(0, 300)) && exitCode !== 0
      resolve({
        code: exitCode,
        output,
        spawnError: notFound ? Object.assign(new Error(`${environment.executable ?? 'vagrant'} was not found`), { code: 'ENOENT' }) : null,
        timedOut,
      })
    })
  })
}

/** The lines a person would have seen without --machine-readable. */
function logTextOf(record: VagrantRecord): string[] {
  if (record.type === 'ui') {
    const text = record.data.slice(1).join(',')
    // Vagrant redraws download progress many times a second: keep it out of the log.
    if (/^\s*Progress: /.test(text)) return []
    return text.split('\n').filter((l) => l.trim() !== '')
  }
  if (record.type === 'error-exit') return record.data.slice(1).join(',').split('\n').filter((l) => l.trim() !== '')
  return []
}
