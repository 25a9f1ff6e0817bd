// The journal a run writes, Chaos Toolkit's shape with Chaos Lab's additions under "chaos-lab".
// Types only (no Node imports), so the API contract and the renderer can name them too.
import type { Activity, ActivityOutput, Experiment } from './schema'
import type { ToleranceResult } from './tolerance'

export type JournalStatus = 'completed' | 'failed' | 'aborted' | 'interrupted'
export type Phase = 'hypothesis-before' | 'method' | 'hypothesis-after' | 'rollbacks'

/** Chaos Lab's additions to a run entry (under one key, so the entry stays Chaos Toolkit's). */
export interface RunDetails {
  phase: Phase
  /** The command line (process) or "METHOD url" (http) that ran. */
  invocation: string
  /** Why the activity failed, in words (absent when it succeeded). */
  reason?: string
  /** The tolerance check, for probes that have one. */
  tolerance?: ToleranceResult
}

export interface Run {
  activity: Activity
  status: 'succeeded' | 'failed'
  output: ActivityOutput | null
  start: string
  end: string
  /** Seconds. */
  duration: number
  exception?: string[]
  /** Probes with a tolerance: whether the output was within it. */
  tolerance_met?: boolean
  'chaos-lab': RunDetails
}

export interface SteadyState {
  steady_state_met: boolean
  probes: Run[]
}

export interface Journal {
  'chaos-lab': {
    version: 1
    /** One sentence: how the experiment ended and why. */
    outcome: string
  }
  experiment: Experiment
  start: string
  end: string
  /** Seconds. */
  duration: number
  status: JournalStatus
  deviated: boolean
  steady_states: { before: SteadyState | null; after: SteadyState | null; during: SteadyState[] }
  run: Run[]
  rollbacks: Run[]
}
