// ONE persistent SSH connection to the lab VM (ssh2, pure JS). Every check, upload, terminal and
// port forward multiplexes over it as channels, so a check costs a channel open (milliseconds)
// instead of a new process and handshake (`vagrant ssh -c` costs seconds).
//
// The connection heals itself: keepalives notice a dead peer, and while the owner wants it up it
// reconnects with exponential backoff. Callers that arrive while it is down wait for it (up to a
// limit) instead of failing on a blip. The VM's host key is pinned on first contact; a different
// key later is refused (a different machine answered), until the pin is cleared on destroy.
import { readFile } from 'node:fs/promises'
import { createServer, connect as netConnect, type AddressInfo, type Server } from 'node:net'
import { Client, type ClientChannel, type SFTPWrapper } from 'ssh2'
import { createHash } from 'node:crypto'
import { AppError } from '../errors'
import { Emitter, type Disposer } from '../util/emitter'

export interface SshTarget {
  host: string
  port: number
  username: string
  privateKeyPath: string
}

/** Where the pinned host key fingerprint lives (a file next to the VM's state, in practice). */
export interface HostKeyPin {
  load(): string | null
  save(fingerprint: string): void
}

export type SshState = 'idle' | 'connecting' | 'connected' | 'reconnecting'

export interface ExecOptions {
  /** Kills the remote command after this long (default 60 s). */
  timeoutMs?: number
  /** Run as this user through sudo, e.g. 'root'. Default: the SSH user. */
  user?: string
  env?: Record<string, string>
  stdin?: string | Buffer
}

export interface ExecResult {
  /** Exit status; null when the command was killed (see signal, timedOut). */
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
  ms: number
  timedOut: boolean
}

export interface CommandStream {
  write(data: string): void
  /** Closes its stdin (a polite stop for commands that read it). */
  end(): void
  /** Closes the channel. */
  kill(): void
  closed: Promise<number | null>
}

export interface PortForward {
  /** The local port on 127.0.0.1. */
  port: number
  close(): Promise<void>
}

export interface SshConnectionOptions {
  /** Asked before every (re)connect: the address can change when the VM restarts. */
  resolveTarget: () => Promise<SshTarget>
  hostKeyPin: HostKeyPin
  keepaliveIntervalMs?: number
  keepaliveCountMax?: number
  readyTimeoutMs?: number
  /** Longest pause between reconnect attempts. */
  maxBackoffMs?: number
  /** How long a call waits for a connection that is down before failing. */
  waitForConnectionMs?: number
}

/** Output beyond this per stream is dropped (with a marker): checks print lines, not files. */
const MAX_CAPTURE_BYTES = 8 * 1024 * 1024
const FIRST_BACKOFF_MS = 250
const MAX_CONCURRENT_EXECS = 6

export class SshConnection {
  private client: Client | null = null
  private sftpSession: Promise<SFTPWrapper> | null = null
  private stateValue: SshState = 'idle'
  private wanted = false
  private attempt = 0
  private retryTimer: NodeJS.Timeout | null = null
  private lastError: Error | null = null
  private readonly events = new Emitter<{ state: SshState }>()
  private readonly forwards = new Set<Server>()
  /** sshd allows 10 sessions per connection by default (MaxSessions); keep room for shells. */
  private readonly execSlots = new Semaphore(MAX_CONCURRENT_EXECS)

  constructor(private readonly options: SshConnectionOptions) {}

  get state(): SshState {
    return this.stateValue
  }

  onDidChangeState(listener: (state: SshState) => void): Disposer {
    return this.events.on('state', listener)
  }

  /** Connects (or waits for the connection already under way); keeps it up until close(). */
  async open(): Promise<void> {
    this.wanted = true
    if (this.stateValue === 'idle') void this.dial()
    await this.ready()
  }

  /** Ends the connection and stops reconnecting; open() starts again. */
  close(): void {
    this.wanted = false
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    for (const server of this.forwards) server.close()
    this.forwards.clear()
    const client = this.client
    this.client = null
    this.sftpSession = null
    client?.end()
    this.setState('idle')
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? 60_000
    const wrapped = wrapCommand(command, { ...options, timeoutMs })
    await this.execSlots.acquire()
    try {
      return await this.execOnce(wrapped, options, timeoutMs)
    } catch (err) {
      // The socket died between ready() and the channel open: wait for the reconnect, once.
      if (err instanceof NotConnected) return await this.execOnce(wrapped, options, timeoutMs)
      throw err
    } finally {
      this.execSlots.release()
    }
  }

  private async execOnce(wrapped: string, options: ExecOptions, timeoutMs: number): Promise<ExecResult> {
    const client = await this.ready()
    const started = performance.now()
    return new Promise<ExecResult>((resolve, reject) => {
      const rejectAndDrop = (err: Error): void => {
        // ssh2 knows the socket is gone before its 'close' arrives: stop handing out this
        // client now, so the retry waits for the reconnect instead of meeting it again.
        if (err instanceof NotConnected) this.drop(client)
        reject(err)
      }
      openChannel(rejectAndDrop, () => client.exec(wrapped, (err, channel) => {
        // Refused because the connection died while opening: nothing ran, so it can be retried.
        if (err && this.client !== client) return reject(new NotConnected(err.message))
        if (err) return reject(channelError(err, 'run a command in the VM'))
        const stdout = new Capture()
        const stderr = new Capture()
        let timedOut = false
        // Backstop: the remote `timeout` should end the command; if the channel is still
        // open well after that (a hung sudo, a frozen guest), close it from this side.
        const backstop = setTimeout(() => {
          timedOut = true
          channel.close()
        }, timeoutMs + 3000)
        channel.on('data', (chunk: Buffer) => stdout.add(chunk))
        channel.stderr.on('data', (chunk: Buffer) => stderr.add(chunk))
        channel.on('close', (code: number | null | undefined, signal?: string) => {
          clearTimeout(backstop)
          const exit = typeof code === 'number' ? code : null
          // GNU timeout exits 124 when it stopped the command (137 when -k had to KILL it). A
          // command may exit 124 or 137 on its own, so the clock decides.
          const ms = performance.now() - started
          if ((exit === 124 || exit === 137) && ms >= timeoutMs - 100) timedOut = true
          if (exit === null && !timedOut && this.client !== client) {
            // It may have run, partly: never retried, the caller decides.
            return reject(new AppError({ code: 'vm', message: 'The connection to the VM dropped while a command was running.', fix: 'Run it again once the VM panel shows the VM connected.', details: [stderr.text()].filter(Boolean) }))
          }
          resolve({ code: timedOut ? null : exit, signal: signal ?? null, stdout: stdout.text(), stderr: stderr.text(), ms: performance.now() - started, timedOut })
        })
        if (options.stdin !== undefined) channel.end(options.stdin)
        else channel.end()
      }))
    })
  }

  /**
   * A long-lived command whose output is consumed as it comes (the metrics sampler). No time
   * limit and no exec slot: it lives as long as the caller wants, and ends with the connection.
   * `closed` resolves with the exit status (null when the connection dropped or it was killed).
   */
  async stream(command: string, options: { user?: string; onStdout: (chunk: Buffer) => void; onStderr?: (chunk: Buffer) => void }): Promise<CommandStream> {
    const client = await this.ready()
    const wrapped = options.user ? `sudo -n -H -u ${shellQuote(options.user)} -- sh -c ${shellQuote(command)}` : command
    return new Promise((resolve, reject) => {
      openChannel(reject, () =>
        client.exec(wrapped, (err, channel) => {
          if (err) return reject(channelError(err, 'start a command in the VM'))
          const closed = new Promise<number | null>((done) => channel.on('close', (code: number | null | undefined) => done(typeof code === 'number' ? code : null)))
          channel.on('data', options.onStdout)
          channel.stderr.on('data', (chunk: Buffer) => options.onStderr?.(chunk))
          resolve({
            write: (data) => void channel.write(data),
            end: () => void channel.end(),
            kill: () => channel.close(),
            closed,
          })
        }),
      )
    })
  }

  /** An interactive shell with a PTY; resize with channel.setWindow(rows, cols, 0, 0). */
  async shell(options: { cols: number; rows: number; term?: string; env?: Record<string, string> }): Promise<ClientChannel> {
    const client = await this.ready()
    return new Promise((resolve, reject) => {
      openChannel(reject, () =>
        client.shell({ term: options.term ?? 'xterm-256color', cols: options.cols, rows: options.rows }, { env: options.env }, (err, channel) => {
          if (err) reject(channelError(err, 'open a shell in the VM'))
          else resolve(channel)
        }),
      )
    })
  }

  /**
   * Writes `data` to `remotePath` in the VM. Files for other users (root) go to a private temp
   * file over SFTP first, then into place with `sudo install`, so ownership and mode are exact.
   */
  async upload(data: string | Buffer, remotePath: string, options: { mode?: number; user?: string } = {}): Promise<void> {
    const sftp = await this.sftp()
    const mode = options.mode ?? 0o644
    const target = await this.options.resolveTarget()
    const direct = options.user === undefined || options.user === target.username
    const tempPath = direct ? remotePath : `/tmp/.chaos-lab-upload-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`
    await new Promise<void>((resolve, reject) => {
      sftp.writeFile(tempPath, data, { mode: direct ? mode : 0o600 }, (err) => (err ? reject(channelError(err, `upload ${remotePath}`)) : resolve()))
    })
    if (direct) {
      await new Promise<void>((resolve, reject) => sftp.chmod(remotePath, mode, (err) => (err ? reject(channelError(err, `set the mode of ${remotePath}`)) : resolve())))
      return
    }
    const user = options.user!
    const result = await this.exec(`install -D -m ${mode.toString(8)} -o ${shellQuote(user)} ${shellQuote(tempPath)} ${shellQuote(remotePath)}; status=$?; rm -f ${shellQuote(tempPath)}; exit $status`, { user: 'root', timeoutMs: 30_000 })
    if (result.code !== 0) {
      throw new AppError({ code: 'vm', message: `Could not put ${remotePath} in place in the VM.`, fix: 'Check that the VM has free disk space, then try again.', details: [result.stderr.trim()] })
    }
  }

  /** Forwards a port on 127.0.0.1 of this machine to remoteHost:remotePort as seen from the VM. */
  async forward(remoteHost: string, remotePort: number, localPort = 0): Promise<PortForward> {
    await this.ready()
    const server = createServer((socket) => {
      const client = this.client
      if (!client || this.stateValue !== 'connected') return socket.destroy()
      client.forwardOut('127.0.0.1', socket.remotePort ?? 0, remoteHost, remotePort, (err, stream) => {
        if (err) return socket.destroy()
        socket.pipe(stream).pipe(socket)
        const end = (): void => {
          socket.destroy()
          stream.destroy()
        }
        socket.on('error', end)
        stream.on('error', end)
        stream.on('close', end)
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new AppError({ code: 'vm', message: `Port ${localPort} on 127.0.0.1 is already in use.`, fix: 'Stop the program using it, or pick another port.', details: [String(err)] })),
      )
      server.listen(localPort, '127.0.0.1', () => resolve())
    })
    this.forwards.add(server)
    return {
      port: (server.address() as AddressInfo).port,
      close: () =>
        new Promise<void>((resolve) => {
          this.forwards.delete(server)
          server.close(() => resolve())
        }),
    }
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= this.ready().then(
      (client) =>
        new Promise<SFTPWrapper>((resolve, reject) => {
          openChannel(reject, () =>
            client.sftp((err, sftp) => {
              if (err) return reject(channelError(err, 'start SFTP in the VM'))
              sftp.on('close', () => (this.sftpSession = null))
              resolve(sftp)
            }),
          )
        }),
    )
    this.sftpSession.catch(() => (this.sftpSession = null))
    return this.sftpSession
  }

  /** Forgets a client whose connection is dead; its 'close' (now or soon) starts the reconnect. */
  private drop(client: Client): void {
    if (this.client !== client) return
    this.client = null
    this.sftpSession = null
    client.destroy()
  }

  /** Resolves with the live client, waiting for a (re)connect if needed. */
  private ready(): Promise<Client> {
    if (this.stateValue === 'connected' && this.client) return Promise.resolve(this.client)
    if (this.stateValue === 'connected' && this.wanted) this.setState('reconnecting')
    if (!this.wanted) {
      return Promise.reject(new AppError({ code: 'vm', message: 'There is no connection to the VM.', fix: 'Start the VM from the VM panel.' }))
    }
    const limit = this.options.waitForConnectionMs ?? 30_000
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        dispose()
        reject(
          new AppError({
            code: 'vm',
            message: 'The connection to the VM is down and did not come back.',
            fix: 'Check in the VM panel that the VM is running; restart it if it is not responding.',
            details: this.lastError ? [String(this.lastError.message)] : [],
          }),
        )
      }, limit)
      const dispose = this.events.on('state', (state) => {
        if (state === 'connected' && this.client) {
          clearTimeout(timer)
          dispose()
          resolve(this.client)
        } else if (state === 'idle') {
          clearTimeout(timer)
          dispose()
          reject(new AppError({ code: 'vm', message: 'The connection to the VM was closed.', fix: 'Start the VM from the VM panel.' }))
        }
      })
    })
  }

  private async dial(): Promise<void> {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting')
    let target: SshTarget
    let privateKey: Buffer
    try {
      target = await this.options.resolveTarget()
      privateKey = await readFile(target.privateKeyPath)
    } catch (err) {
      return this.failed(err as Error)
    }
    if (!this.wanted) return

    const client = new Client()
    // Our own socket so Nagle is off from the first byte: checks are tiny request/response
    // exchanges, and delayed ACKs would add ~40 ms to each.
    const socket = netConnect({ host: target.host, port: target.port })
    socket.setNoDelay(true)
    let hostKeyRefused: AppError | null = null

    client.on('ready', () => {
      if (!this.wanted) return client.end()
      this.client = client
      this.attempt = 0
      this.lastError = null
      this.setState('connected')
    })
    client.on('error', (err) => {
      this.lastError = hostKeyRefused ?? err
    })
    client.on('close', () => {
      if (this.client === client) {
        this.client = null
        this.sftpSession = null
      }
      if (hostKeyRefused) {
        // Not a blip: reconnecting would only meet the same stranger.
        this.wanted = false
        this.setState('idle')
        return
      }
      if (this.wanted) this.failed(this.lastError ?? new Error('connection closed'))
    })
    client.connect({
      sock: socket,
      username: target.username,
      privateKey,
      readyTimeout: this.options.readyTimeoutMs ?? 20_000,
      keepaliveInterval: this.options.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: this.options.keepaliveCountMax ?? 3,
      hostVerifier: (key: Buffer) => {
        const fingerprint = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`
        const pinned = this.options.hostKeyPin.load()
        if (pinned === null) {
          this.options.hostKeyPin.save(fingerprint)
          return true
        }
        if (pinned === fingerprint) return true
        hostKeyRefused = new AppError({
          code: 'vm',
          message: 'The VM answered with a different SSH host key than before, so Chaos Lab did not connect.',
          fix: 'If you recreated the VM outside Chaos Lab, destroy it from the VM panel and start it again; otherwise another machine is answering on its address.',
          details: [`expected ${pinned}`, `got ${fingerprint}`],
        })
        return false
      },
    })
  }

  private failed(err: Error): void {
    this.lastError = err
    if (!this.wanted) return
    const delay = Math.min(this.options.maxBackoffMs ?? 10_000, FIRST_BACKOFF_MS * 2 ** this.attempt)
    this.attempt++
    this.setState('reconnecting')
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (this.wanted) void this.dial()
    }, delay)
  }

  private setState(state: SshState): void {
    if (state === this.stateValue) return
    this.stateValue = state
    this.events.emit('state', state)
  }
}

/** Builds the remote command line: sudo for another user, env, and a hard time limit. */
export function wrapCommand(command: string, options: { user?: string; env?: Record<string, string>; timeoutMs: number }): string {
  const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000))
  const env = Object.entries(options.env ?? {}).map(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new AppError({ code: 'bad-request', message: `"${key}" is not a valid environment variable name.`, fix: 'Use letters, digits and underscores only.' })
    return `${key}=${shellQuote(value)}`
  })
  // -k: a command that ignores SIGTERM is KILLed 2 s later, so nothing outlives its limit.
  const core = `timeout -k 2 ${seconds} sh -c ${shellQuote(command)}`
  const withEnv = env.length > 0 ? `env ${env.join(' ')} ${core}` : core
  return options.user ? `sudo -n -H -u ${shellQuote(options.user)} -- ${withEnv}` : withEnv
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}

function channelError(err: Error, what: string): AppError {
  return new AppError({ code: 'vm', message: `Could not ${what}.`, fix: 'Check in the VM panel that the VM is running; if it is, restart it.', details: [err.message] })
}

class Capture {
  private chunks: Buffer[] = []
  private size = 0
  private dropped = 0

  add(chunk: Buffer): void {
    if (this.size + chunk.length > MAX_CAPTURE_BYTES) {
      this.dropped += chunk.length
      return
    }
    this.chunks.push(chunk)
    this.size += chunk.length
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8')
    return this.dropped > 0 ? `${text}\n[chaos-lab: ${this.dropped} more bytes dropped]\n` : text
  }
}

/** ssh2 throws synchronously when the socket is already gone; callers retry after a reconnect. */
class NotConnected extends Error {}

function openChannel(reject: (err: Error) => void, open: () => void): void {
  try {
    open()
  } catch (err) {
    reject(/not connected/i.test(String(err)) ? new NotConnected(String(err)) : (err as Error))
  }
}

class Semaphore {
  private waiting: (() => void)[] = []

  constructor(private free: number) {}

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--
      return
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve))
  }

  release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.free++
  }
}
