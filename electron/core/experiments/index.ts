// Chaos Toolkit experiments in Chaos Lab: parse (JSON or YAML), run against the lab VM, and
// report. See runner.ts for the run semantics and tolerance.ts for the tolerance forms.
export { parseExperiment, ExperimentInvalidError, formatPath, type ExperimentProblem } from './parse'
export {
  Experiment,
  Activity,
  Probe,
  Action,
  Provider,
  ProcessProvider,
  HttpProvider,
  Tolerance,
  StaticTolerance,
  ProbeTolerance,
  SteadyStateHypothesis,
  Pauses,
  isProcessOutput,
  type ActivityOutput,
  type ProcessOutput,
  type HttpOutput,
} from './schema'
export { evaluateTolerance, toleranceMessage, compilePattern, type ToleranceResult } from './tolerance'
export { parseJsonPath, queryJsonPath, JsonPathError, type JsonPathSegment } from './jsonpath'
export { processCommand, DEFAULT_HTTP_TIMEOUT_S, DEFAULT_PROCESS_TIMEOUT_S, type ExperimentHost } from './providers'
export { runExperiment, type Journal, type JournalStatus, type Run, type RunDetails, type SteadyState, type Phase, type ExperimentEvent, type RunOptions } from './runner'
export { journalToMarkdown } from './markdown'
