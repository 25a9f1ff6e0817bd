// Fixed-size history of every series: one shared clock column and one column per series, in
// typed arrays (an hour at 1 Hz is 3600 rows; pushing never allocates once a series exists).
// NaN marks "no value": a gap the charts draw as a gap.
import type { Values } from './derive'

export interface SeriesData {
  /** Milliseconds since the epoch, oldest first. */
  t: number[]
  values: Record<string, (number | null)[]>
}

export class SeriesRing {
  private readonly times: Float64Array
  private readonly columns = new Map<string, Float64Array>()
  private start = 0
  private size = 0

  constructor(readonly capacity: number) {
    this.times = new Float64Array(capacity)
  }

  get length(): number {
    return this.size
  }

  get lastTime(): number | null {
    return this.size === 0 ? null : this.times[(this.start + this.size - 1) % this.capacity]!
  }

  push(t: number, values: Values): void {
    const slot = this.size < this.capacity ? (this.start + this.size) % this.capacity : this.start
    if (this.size < this.capacity) this.size++
    else this.start = (this.start + 1) % this.capacity
    this.times[slot] = t
    for (const [id, column] of this.columns) column[slot] = values[id] ?? NaN
    for (const [id, value] of Object.entries(values)) {
      if (this.columns.has(id)) continue
      const column = new Float64Array(this.capacity).fill(NaN)
      column[slot] = value ?? NaN
      this.columns.set(id, column)
    }
  }

  /** A row of nothing: the line breaks here (a reconnect, a paused stream). */
  pushGap(t: number): void {
    this.push(t, {})
  }

  /** The history of these series (all when omitted); unknown ids come back as all-null. */
  read(ids?: string[], sinceMs = -Infinity): SeriesData {
    const wanted = ids ?? [...this.columns.keys()]
    const rows: number[] = []
    for (let i = 0; i < this.size; i++) {
      const slot = (this.start + i) % this.capacity
      if (this.times[slot]! >= sinceMs) rows.push(slot)
    }
    const values: SeriesData['values'] = {}
    for (const id of wanted) {
      const column = this.columns.get(id)
      values[id] = rows.map((slot) => {
        const v = column ? column[slot]! : NaN
        return Number.isNaN(v) ? null : v
      })
    }
    return { t: rows.map((slot) => this.times[slot]!), values }
  }

  clear(): void {
    this.start = 0
    this.size = 0
    this.columns.clear()
  }
}
