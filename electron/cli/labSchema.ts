import { labManifestJsonSchema } from '../core/labs/schema'
import type { CliContext } from './main'

export async function labSchema(context: CliContext): Promise<number> {
  context.out(JSON.stringify(labManifestJsonSchema(), null, 2))
  return 0
}
