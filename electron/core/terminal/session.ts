// One terminal: its process, a headless mirror of its screen, flow control and a transcript.
//
// The mirror (@xterm/headless + serialize) is what makes a terminal survive a window reload:
// a window that attaches gets the screen as it is and the `seq` it covers, then the output
// after it. Output is batched (one event per ~16 ms) and flow-controlled the way VS Code does
// it: above HIGH_WATERMARK characters the windows have not yet drawn, reading from the process
// pauses (the producer blocks), and it resumes below LOW_WATERMARK. A flood therefore never
// outruns the UI, and the core's memory stays bounded.
import { Terminal } from '@xterm/headless'
import { SerializeAddon } from '@xterm/addon-serialize'
import type { TerminalInfo, TerminalKind } from '../api'
import type { TerminalProcess } from './processes'

export const HIGH_WATERMARK = 100_000
export const LOW_WATERMARK = 5_000
const BATCH_MS = 16
/** Scrollback kept in the mirror, and so restored on reattach. */
const SCROLLBACK_LINES = 5_000
/** The transcript keeps about this many characters, newest first out. */
const TRANSCRIPT_CHARS = 256 * 1024

export interface TranscriptEntry {
  at: number
  direction: 'in' | 'out'
  text: string
}

export interface SessionEvents {
  data(id: string, seq: number, data: string): void
  changed(): void
}

export class TerminalSession {
  private readonly mirror: Terminal
  private readonly serializer = new SerializeAddon()
  private pending = ''
  private flushTimer: NodeJS.Timeout | null = null
  /** Output characters emitted so far (the seq of the next chunk). */
  private emitted = 0
  private unacknowledged = 0
  private paused = false
  private readonly transcriptEntries: TranscriptEntry[] = []
  private transcriptChars = 0
  private info: TerminalInfo

  constructor(
    readonly id: string,
    options: { kind: TerminalKind; title: string; labId: string | null; cols: number; rows: number },
    private readonly process: TerminalProcess,
    private readonly events: SessionEvents,
  ) {
    this.info = { id, kind: options.kind, title: options.title, cols: options.cols, rows: options.rows, labId: options.labId, exitCode: null, connected: true, createdAt: Date.now() }
    this.mirror = new Terminal({ cols: options.cols, rows: options.rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true })
    this.mirror.loadAddon(this.serializer)
    process.onData((data) => this.onOutput(data))
    process.onExit((code) => {
      this.flush()
      this.info = { ...this.info, exitCode: code ?? -1, connected: false }
      this.events.changed()
    })
    process.onConnection?.((connected) => {
      this.info = { ...this.info, connected }
      this.events.changed()
    })
  }

  get snapshotInfo(): TerminalInfo {
    return this.info
  }

  get unacknowledgedChars(): number {
    return this.unacknowledged
  }

  get isPaused(): boolean {
    return this.paused
  }

  /** The screen now, and exactly how much output it covers. */
  async attach(): Promise<{ info: TerminalInfo; screen: string; seq: number }> {
    this.flush()
    const seq = this.emitted
    // The mirror parses asynchronously; the callback of an empty write runs once everything
    // written before it (output up to `seq`, no more) is on its screen.
    const screen = await new Promise<string>((resolve) => this.mirror.write('', () => resolve(this.serializer.serialize({ scrollback: SCROLLBACK_LINES }))))
    // A window that attaches starts drawing from here: whatever an earlier (now gone) window
    // left unacknowledged must not keep the process paused forever.
    this.unacknowledged = 0
    this.updatePause()
    return { info: this.info, screen, seq }
  }

  input(data: string): void {
    if (this.info.exitCode !== null) return
    this.record('in', data)
    this.process.write(data)
  }

  resize(cols: number, rows: number): void {
    if (cols === this.info.cols && rows === this.info.rows) return
    this.info = { ...this.info, cols, rows }
    this.mirror.resize(cols, rows)
    if (this.info.exitCode === null) this.process.resize(cols, rows)
  }

  acknowledge(chars: number): void {
    this.unacknowledged = Math.max(0, this.unacknowledged - chars)
    this.updatePause()
  }

  rename(title: string): TerminalInfo {
    this.info = { ...this.info, title }
    return this.info
  }

  transcript(): TranscriptEntry[] {
    return [...this.transcriptEntries]
  }

  close(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    if (this.info.exitCode === null) this.process.kill()
    this.mirror.dispose()
  }

  private onOutput(data: string): void {
    this.pending += data
    // Count what the process produced as soon as it arrives, so a flood pauses promptly.
    this.unacknowledged += data.length
    this.updatePause()
    this.flushTimer ??= setTimeout(() => this.flush(), BATCH_MS)
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    if (this.pending === '') return
    const data = this.pending
    this.pending = ''
    this.mirror.write(data)
    this.record('out', data)
    const seq = this.emitted
    this.emitted += data.length
    this.events.data(this.id, seq, data)
  }

  private updatePause(): void {
    if (!this.paused && this.unacknowledged > HIGH_WATERMARK) {
      this.paused = true
      this.process.pause()
    } else if (this.paused && this.unacknowledged < LOW_WATERMARK) {
      this.paused = false
      this.process.resume()
    }
  }

  private record(direction: TranscriptEntry['direction'], text: string): void {
    const last = this.transcriptEntries.at(-1)
    const now = Date.now()
    // Keystrokes and output chunks of the same moment merge into one entry.
    if (last && last.direction === direction && now - last.at < 1000) last.text += text
    else this.transcriptEntries.push({ at: now, direction, text })
    this.transcriptChars += text.length
    while (this.transcriptChars > TRANSCRIPT_CHARS && this.transcriptEntries.length > 1) {
      this.transcriptChars -= this.transcriptEntries.shift()!.text.length
    }
    const first = this.transcriptEntries[0]
    if (first && this.transcriptChars > TRANSCRIPT_CHARS) {
      first.text = first.text.slice(this.transcriptChars - TRANSCRIPT_CHARS)
      this.transcriptChars = TRANSCRIPT_CHARS
    }
  }
}
