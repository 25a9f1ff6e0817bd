// The Chaos Toolkit experiment format, the subset Chaos Lab runs: a steady-state hypothesis of
// probes with tolerances, a method of actions and probes, and rollbacks. Providers are `process`
// (a program run in the lab VM) and `http` (a request from the app, to a service forwarded to
// 127.0.0.1). Keys Chaos Toolkit uses but Chaos Lab does not (version, tags, contributions,
// controls, extensions) are accepted and ignored; unknown keys are errors, so a typo such as
// `steady_state_hypothesis` does not silently drop the hypothesis.
import { z } from 'zod'

const Scalar = z.union([z.string(), z.number(), z.boolean()])
const Seconds = z.number({ error: 'must be a number of seconds' }).positive('must be more than 0 seconds')

export const ProcessProvider = z.strictObject({
  type: z.literal('process'),
  path: z.string({ error: 'must be the program to run, e.g. /usr/bin/curl or systemctl' }).min(1, 'must not be empty'),
  /**
   * A string is appended to the command line as it is (shell syntax allowed); a list is quoted
   * item by item; an object (Chaos Toolkit's spec form) becomes `key value` pairs, a key with
   * an empty value becoming a bare flag.
   */
  arguments: z
    .union([z.string(), z.array(Scalar), z.record(z.string(), z.union([Scalar, z.null()]))], {
      error: 'must be a string, a list of strings, or a mapping of flags to values',
    })
    .optional(),
  /** Seconds; the command is killed after this long (default 60). */
  timeout: Seconds.optional(),
})
export type ProcessProvider = z.infer<typeof ProcessProvider>

export const HttpProvider = z.strictObject({
  type: z.literal('http'),
  url: z
    .string({ error: 'must be the address to call, e.g. http://127.0.0.1:8080/health' })
    .refine((value) => /^https?:\/\/[^\s]+$/i.test(value) && URL.canParse(value), 'must be an http:// or https:// address'),
  method: z
    .string()
    .regex(/^[A-Za-z]+$/, 'must be an HTTP method such as GET or POST')
    .optional(),
  headers: z.record(z.string(), z.string(), { error: 'must be a mapping of header names to string values' }).optional(),
  /** GET: query string parameters; other methods: the body (JSON or form-encoded, by Content-Type). */
  arguments: z.union([z.string(), z.record(z.string(), z.unknown())], { error: 'must be a mapping of parameters or a string body' }).optional(),
  expected_status: z.number({ error: 'must be an HTTP status such as 200' }).int().min(100).max(599).optional(),
  /** Seconds, or Chaos Toolkit's [connect, read] pair (the sum is the limit). Default 30. */
  timeout: z.union([Seconds, z.tuple([Seconds, Seconds])], { error: 'must be a number of seconds (or a [connect, read] pair)' }).optional(),
})
export type HttpProvider = z.infer<typeof HttpProvider>

export const Provider = z.discriminatedUnion('type', [ProcessProvider, HttpProvider])
export type Provider = z.infer<typeof Provider>

export const Pauses = z.strictObject({
  before: z.number({ error: 'must be a number of seconds' }).min(0).optional(),
  after: z.number({ error: 'must be a number of seconds' }).min(0).optional(),
})
export type Pauses = z.infer<typeof Pauses>

/** Which part of an output a regex/jsonpath/range tolerance looks at. */
export const PROCESS_TARGETS = ['stdout', 'stderr', 'status'] as const
export const HTTP_TARGETS = ['body', 'status', 'headers'] as const
const Target = z.enum([...PROCESS_TARGETS, ...HTTP_TARGETS], { error: `must be one of ${[...PROCESS_TARGETS, ...HTTP_TARGETS].join(', ')}` })

export const RegexTolerance = z.strictObject({
  type: z.literal('regex'),
  pattern: z.string({ error: 'must be a regular expression' }),
  target: Target.optional(),
})
export const JsonPathTolerance = z.strictObject({
  type: z.literal('jsonpath'),
  path: z.string({ error: 'must be a JSONPath such as $.status' }),
  /** The matched values must equal this (a list: all the matches, in order). */
  expect: z.unknown().optional(),
  /** The path must match exactly this many values. */
  count: z.number().int().min(0).optional(),
  target: Target.optional(),
})
export const RangeTolerance = z.strictObject({
  type: z.literal('range'),
  range: z.tuple([z.number(), z.number()], { error: 'must be [lowest, highest]' }),
  target: Target.optional(),
})
const RangePair = z.tuple([z.number(), z.number()])

/** Tolerances decided from the output alone (everything but a probe tolerance). */
export const StaticTolerance = z.union([
  z.number().int(),
  z.boolean(),
  z.string(),
  RangePair,
  RegexTolerance,
  JsonPathTolerance,
  RangeTolerance,
])
export type StaticTolerance = z.infer<typeof StaticTolerance>

const activityCommon = {
  name: z.string({ error: 'must be a name for the activity' }).min(1, 'must not be empty'),
  provider: Provider,
  pauses: Pauses.optional(),
  background: z.literal(false, { error: 'background activities are not supported' }).optional(),
  // Chaos Toolkit keys that do not change what runs here.
  controls: z.unknown().optional(),
  configuration: z.unknown().optional(),
  secrets: z.unknown().optional(),
}

/** A probe used as a tolerance: it passes when it runs successfully. */
export const ProbeTolerance = z.strictObject({
  type: z.literal('probe'),
  name: activityCommon.name,
  provider: Provider,
})
export type ProbeTolerance = z.infer<typeof ProbeTolerance>

export const Tolerance = z.union([StaticTolerance, ProbeTolerance])
export type Tolerance = z.infer<typeof Tolerance>

export const Probe = z.strictObject({
  type: z.literal('probe'),
  ...activityCommon,
  tolerance: Tolerance.optional(),
})
export type Probe = z.infer<typeof Probe>

export const Action = z.strictObject({
  type: z.literal('action'),
  ...activityCommon,
})
export type Action = z.infer<typeof Action>

export const Activity = z.discriminatedUnion('type', [Probe, Action])
export type Activity = z.infer<typeof Activity>

export const HypothesisProbe = Probe.extend({ tolerance: Tolerance })
export type HypothesisProbe = z.infer<typeof HypothesisProbe>

export const SteadyStateHypothesis = z.strictObject({
  title: z.string({ error: 'must say what normal looks like' }).min(1),
  probes: z.array(HypothesisProbe).default([]),
  controls: z.unknown().optional(),
})
export type SteadyStateHypothesis = z.infer<typeof SteadyStateHypothesis>

/** Top-level Chaos Toolkit keys that are accepted and ignored. */
export const IGNORED_EXPERIMENT_KEYS = ['version', 'tags', 'contributions', 'controls', 'extensions', 'configuration', 'secrets'] as const

export const Experiment = z.strictObject({
  title: z.string({ error: 'must be a title for the experiment' }).min(1),
  description: z.string().optional(),
  'steady-state-hypothesis': SteadyStateHypothesis.optional(),
  method: z.array(Activity, { error: 'must be a list of actions and probes' }).min(1, 'needs at least one action or probe'),
  rollbacks: z.array(Activity, { error: 'must be a list of actions' }).default([]),
  version: z.unknown().optional(),
  tags: z.unknown().optional(),
  contributions: z.unknown().optional(),
  controls: z.unknown().optional(),
  extensions: z.unknown().optional(),
  configuration: z.unknown().optional(),
  secrets: z.unknown().optional(),
})
export type Experiment = z.infer<typeof Experiment>

export const EXPERIMENT_KEYS = Object.keys(Experiment.shape)
export const HYPOTHESIS_KEYS = Object.keys(SteadyStateHypothesis.shape)
export const PROBE_KEYS = Object.keys(Probe.shape)
export const ACTION_KEYS = Object.keys(Action.shape)
export const PROCESS_PROVIDER_KEYS = Object.keys(ProcessProvider.shape)
export const HTTP_PROVIDER_KEYS = Object.keys(HttpProvider.shape)
export const PAUSES_KEYS = Object.keys(Pauses.shape)

/** What a process provider returns (Chaos Toolkit's shape). `status` is null when it was killed. */
export interface ProcessOutput {
  status: number | null
  stdout: string
  stderr: string
}

/** What an http provider returns (Chaos Toolkit's shape): a JSON body is parsed. */
export interface HttpOutput {
  status: number
  headers: Record<string, string>
  body: unknown
}

export type ActivityOutput = ProcessOutput | HttpOutput

export function isProcessOutput(output: ActivityOutput): output is ProcessOutput {
  return 'stdout' in output
}
