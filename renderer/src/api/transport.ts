// The two ways the renderer reaches the core: Electron's preload bridge, or the browser host's
// WebSocket. Both carry the same calls and events; the client on top does not know which.
import { AppError, type Envelope, type ErrorInfo } from '../../../electron/core/errors'
import { WS_PATH, type ApiEvent, type MethodName, type PreloadBridge, type WsServerFrame } from '../../../electron/core/api'

export type ConnectionState = 'connecting' | 'open' | 'reconnecting'

export interface Transport {
  readonly kind: 'electron' | 'browser'
  call(method: MethodName, input: unknown): Promise<Envelope<unknown>>
  onEvent(listener: (event: ApiEvent) => void): () => void
  onConnection(listener: (state: ConnectionState) => void): () => void
}

declare global {
  interface Window {
    chaosLab?: PreloadBridge
  }
}

export function preloadTransport(bridge: PreloadBridge): Transport {
  return {
    kind: 'electron',
    call: (method, input) => bridge.call(method, input),
    onEvent: (listener) => bridge.onEvent(listener),
    // IPC to the main process cannot drop while the window lives.
    onConnection: (listener) => {
      listener('open')
      return () => {}
    },
  }
}

/** Reconnect delays after the host goes away: quick at first, then every few seconds. */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000]

export function webSocketTransport(url: string): Transport {
  let socket: WebSocket | null = null
  let state: ConnectionState = 'connecting'
  let attempt = 0
  let nextId = 1
  const pending = new Map<number, (envelope: Envelope<unknown>) => void>()
  const queued: string[] = []
  const eventListeners = new Set<(event: ApiEvent) => void>()
  const connectionListeners = new Set<(state: ConnectionState) => void>()

  const setState = (next: ConnectionState): void => {
    state = next
    for (const listener of connectionListeners) listener(next)
  }

  const connect = (): void => {
    socket = new WebSocket(url)
    socket.onopen = () => {
      attempt = 0
      for (const frame of queued.splice(0)) socket!.send(frame)
      setState('open')
    }
    socket.onmessage = (message) => {
      const frame = JSON.parse(String(message.data)) as WsServerFrame
      if (frame.t === 'result') {
        pending.get(frame.id)?.(frame.envelope)
        pending.delete(frame.id)
      } else if (frame.t === 'event') {
        for (const listener of eventListeners) listener(frame.event)
      } else {
        console.error('[chaos-lab] the host refused a message:', frame.error)
      }
    }
    socket.onclose = () => {
      // Calls in flight cannot be answered any more: fail them clearly rather than hang.
      const lost: ErrorInfo = { code: 'disconnected', message: 'The connection to Chaos Lab was lost before it answered.', fix: 'Wait for the reconnect, then try again.', details: [] }
      for (const resolve of pending.values()) resolve({ ok: false, error: lost })
      pending.clear()
      setState('reconnecting')
      const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)]
      attempt += 1
      setTimeout(connect, delay)
    }
  }
  connect()

  return {
    kind: 'browser',
    call: (method, input) =>
      new Promise((resolve) => {
        const id = nextId++
        pending.set(id, resolve)
        const frame = JSON.stringify({ t: 'call', id, method, input })
        if (socket?.readyState === WebSocket.OPEN) socket.send(frame)
        else queued.push(frame)
      }),
    onEvent: (listener) => {
      eventListeners.add(listener)
      return () => eventListeners.delete(listener)
    },
    onConnection: (listener) => {
      connectionListeners.add(listener)
      listener(state)
      return () => connectionListeners.delete(listener)
    },
  }
}

export function defaultTransport(): Transport {
  if (window.chaosLab) return preloadTransport(window.chaosLab)
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return webSocketTransport(`${scheme}://${location.host}${WS_PATH}`)
}

export { AppError }
