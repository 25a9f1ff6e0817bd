// The typed ApiClient over any transport: one interface for the whole renderer.
import type { ApiClient, EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../../electron/core/api'
import { unwrap } from '../../../electron/core/errors'
import type { ConnectionState, Transport } from './transport'

export interface RendererClient extends ApiClient {
  readonly kind: Transport['kind']
  onConnection(listener: (state: ConnectionState) => void): () => void
}

export function createClient(transport: Transport): RendererClient {
  return {
    kind: transport.kind,
    async call<M extends MethodName>(method: M, ...input: MethodInput<M> extends undefined ? [] : [MethodInput<M>]): Promise<MethodOutput<M>> {
      return unwrap(await transport.call(method, input[0])) as MethodOutput<M>
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      return transport.onEvent((apiEvent) => {
        if (apiEvent.name === event) listener(apiEvent.payload as EventPayload<E>)
      })
    },
    onConnection: (listener) => transport.onConnection(listener),
  }
}
