// The lab manifest (labs/<id>/lab.yaml). One zod schema is the source of truth: the loader
// validates with it, and `chaos-lab lab schema` publishes it as JSON Schema for editors.
// Unknown keys are errors (strict objects): a typo such as `minuts:` must not pass silently.
import { z } from 'zod'

export const LAB_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

const Id = z
  .string()
  .regex(LAB_ID_PATTERN, 'must be lower-case words joined by dashes, e.g. "slow-database-link"')

export const StepManifest = z
  .object({
    id: Id.describe('Step id; its text lives in steps/<id>.md'),
    title: z.string().min(1).describe('Shown in the step list'),
  })
  .strict()

export const LabManifest = z
  .object({
    id: Id.describe('Unique id; must equal the folder name'),
    title: z.string().min(1).max(80),
    source: z.enum(['book', 'workshop', 'original']).describe('Where the lab comes from'),
    chapter: z.number().int().min(1).max(99).optional().describe('Book chapter, when source is book'),
    topic: z.string().min(1).max(40).describe('One or two words for the card, e.g. "systemd" or "network latency"'),
    summary: z.string().min(1).max(400),
    minutes: z.number().int().min(1).max(600).describe('Expected time to finish, in minutes'),
    requires: z
      .array(z.enum(['docker', 'bpf', 'java', 'browser']))
      .default([])
      .describe('Capabilities the lab needs from the VM or the app'),
    steps: z.array(StepManifest).min(1, 'a lab needs at least one step'),
  })
  .strict()

export type LabManifest = z.infer<typeof LabManifest>

export function labManifestJsonSchema(): unknown {
  return z.toJSONSchema(LabManifest, { io: 'input' })
}
