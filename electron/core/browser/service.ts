// The Browser pane's sessions, one per open lab that declares `browser:` in its lab.yaml: a proxy
// in front of the lab's web UI, the page's events in a ring buffer, and the page state written
// into the VM for the lab's checks (/run/chaos-lab/browser/<lab>.json). Where the web UI is, where
// the injected scripts come from and where the state goes are given by the caller (the core:
// the VM over SSH; tests: a local server and folders), so this module never fakes either side.
import { AppError } from '../errors'
import { Emitter, type Disposer } from '../util/emitter'
import { summarize, type PageEvent, type PageSummary } from './events'
import { BrowserProxy, type InjectedScript } from './proxy'

/** Where the lab's checks find what the page saw (written by the core, read by the checks). */
export const PAGE_STATE_DIR = '/run/chaos-lab/browser'
/** Page events kept per lab session; older ones drop off (summaries are over what is kept). */
const RING_SIZE = 2000
/** The newest events included in the state file, for checks that look at single requests. */
const STATE_RECENT_EVENTS = 200
/** Bursts of page events become one write into the VM. */
const STATE_WRITE_DELAY_MS = 250

export interface BrowserTarget {
  /** Base URL the proxy forwards to. */
  baseUrl: string
  /** For the learner: "127.0.0.1:8081 in the VM". */
  label: string
  close(): Promise<void>
}

export interface BrowserSources {
  /** Makes the lab's web UI reachable from this machine (in the app: an SSH port forward). */
  openTarget(labId: string, port: number): Promise<BrowserTarget>
  /** The scripts to inject into each page, in order (in the app: *.js of a folder in the VM). */
  readScripts(labId: string, folder: string): Promise<InjectedScript[]>
  /** Stores the page state where the lab's checks read it. */
  writeState(labId: string, json: string): Promise<void>
}

export interface BrowserDeclaration {
  port: number
  path: string
  inject: string | null
}

export interface BrowserOpened {
  /** The URL the pane loads: the proxy, at the lab's first page. */
  url: string
  /** Where the page really comes from, for the address display. */
  target: string
  path: string
}

export interface PageUpdate {
  labId: string
  events: PageEvent[]
  summary: PageSummary
}

interface Session {
  labId: string
  proxy: BrowserProxy
  target: BrowserTarget
  path: string
  events: PageEvent[]
  write: { timer: NodeJS.Timeout | null; running: Promise<void> | null; again: boolean }
  /** The lab's faults in the ledger when the pages last loaded, to reload when they change. */
  faults: string
}

export class BrowserService {
  private readonly sessions = new Map<string, Session>()
  private readonly opening = new Map<string, Promise<Session>>()
  private readonly emitter = new Emitter<{ page: PageUpdate }>()

  constructor(
    private readonly sources: BrowserSources,
    /** Ids of the faults in the ledger now ("<lab>:<fault>"). */
    private readonly currentFaults: () => string[] = () => [],
  ) {}

  onPage(listener: (update: PageUpdate) => void): Disposer {
    return this.emitter.on('page', listener)
  }

  /** Starts (or returns) the lab's proxy. */
  async open(labId: string, declaration: BrowserDeclaration): Promise<BrowserOpened> {
    const session = this.sessions.get(labId) ?? (await this.start(labId, declaration))
    return { url: session.proxy.url + session.path, target: session.target.label, path: session.path }
  }

  events(labId: string): { events: PageEvent[]; summary: PageSummary } {
    const events = this.sessions.get(labId)?.events ?? []
    return { events: [...events], summary: summarize(events) }
  }

  /** Tells the lab's open pages to reload (new injected scripts apply from the next load). */
  reload(labId: string): number {
    return this.sessions.get(labId)?.proxy.reload() ?? 0
  }

  /**
   * The ledger changed: a lab whose faults changed gets its pages reloaded, so an injected script
   * linked in (or removed) by a fault takes effect at once, and Halt leaves a clean page.
   */
  faultsChanged(ids: string[]): void {
    for (const session of this.sessions.values()) {
      const key = faultKey(session.labId, ids)
      if (key === session.faults) continue
      session.faults = key
      session.proxy.reload()
    }
  }

  async close(labId: string): Promise<void> {
    const session = this.sessions.get(labId)
    if (!session) return
    this.sessions.delete(labId)
    if (session.write.timer) clearTimeout(session.write.timer)
    // A write in flight lands before close returns: nothing rewrites the state after (e.g. after
    // a lab cleanup removed it).
    await session.write.running
    await session.proxy.close()
    await session.target.close().catch(() => undefined)
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)))
  }

  private start(labId: string, declaration: BrowserDeclaration): Promise<Session> {
    const pending = this.opening.get(labId)
    if (pending) return pending
    const promise = (async () => {
      const target = await this.sources.openTarget(labId, declaration.port)
      let proxy: BrowserProxy
      try {
        proxy = await BrowserProxy.start({
          target: target.baseUrl,
          label: target.label,
          readScripts: () => (declaration.inject ? this.sources.readScripts(labId, declaration.inject) : Promise.resolve([])),
          onEvents: (events) => this.record(labId, events),
          dropCookies: ['chaoslab_token'],
        })
      } catch (err) {
        await target.close().catch(() => undefined)
        throw new AppError({ code: 'internal', message: 'Could not start the Browser pane\'s proxy on 127.0.0.1.', fix: 'Close other programs using many local ports, then reopen the lab.', details: [String(err)] })
      }
      const session: Session = { labId, proxy, target, path: declaration.path, events: [], write: { timer: null, running: null, again: false }, faults: faultKey(labId, this.currentFaults()) }
      this.sessions.set(labId, session)
      // Checks can tell "no page seen yet" from "no state at all" (the pane never opened).
      this.scheduleWrite(session, 0)
      return session
    })()
    this.opening.set(labId, promise)
    return promise.finally(() => this.opening.delete(labId))
  }

  private record(labId: string, events: PageEvent[]): void {
    const session = this.sessions.get(labId)
    if (!session) return
    session.events.push(...events)
    if (session.events.length > RING_SIZE) session.events.splice(0, session.events.length - RING_SIZE)
    this.emitter.emit('page', { labId, events, summary: summarize(session.events) })
    this.scheduleWrite(session, STATE_WRITE_DELAY_MS)
  }

  /** One write in flight at most; events arriving meanwhile cause one more write after it. */
  private scheduleWrite(session: Session, delayMs: number): void {
    if (session.write.running) {
      session.write.again = true
      return
    }
    if (session.write.timer) return
    session.write.timer = setTimeout(() => {
      session.write.timer = null
      const state = {
        labId: session.labId,
        proxy: session.proxy.url,
        target: session.target.label,
        summary: summarize(session.events),
        recent: session.events.slice(-STATE_RECENT_EVENTS),
      }
      session.write.running = this.sources
        .writeState(session.labId, JSON.stringify(state, null, 1) + '\n')
        // The VM may be away for a moment; the next event writes again.
        .catch(() => undefined)
        .finally(() => {
          session.write.running = null
          if (session.write.again && this.sessions.get(session.labId) === session) {
            session.write.again = false
            this.scheduleWrite(session, STATE_WRITE_DELAY_MS)
          }
        })
    }, delayMs)
  }
}

function faultKey(labId: string, ids: string[]): string {
  return ids.filter((id) => id.startsWith(`${labId}:`)).sort().join(' ')
}
