// A minimal typed event emitter. Every subscription returns its own disposer, so a service
// that subscribes can always undo it (and tests can assert nothing leaked).

export type Disposer = () => void

export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>()

  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): Disposer {
    let set = this.listeners.get(name)
    if (!set) {
      set = new Set()
      this.listeners.set(name, set)
    }
    set.add(listener as (payload: never) => void)
    return () => {
      set.delete(listener as (payload: never) => void)
    }
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      // One failing listener must not starve the others (or crash the core).
      try {
        ;(listener as (payload: Events[K]) => void)(payload)
      } catch (err) {
        console.error(`[emitter] listener for ${String(name)} failed:`, err)
      }
    }
  }

  listenerCount(): number {
    let count = 0
    for (const set of this.listeners.values()) count += set.size
    return count
  }
}
