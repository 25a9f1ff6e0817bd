import { join } from 'node:path'
import { Core } from '../../electron/core/core'
import { REPO_ROOT, tempDir } from './tmp'

/** A real Core on a temporary data folder, with the repository's labs plus any extra roots. */
export function testCore(extraLabRoots: string[] = []): { core: Core; dataDir: string; cleanup: () => void } {
  const data = tempDir('chaos-lab-core-')
  const core = new Core({
    host: 'browser',
    version: '0.0.0-test',
    dataDir: data.path,
    labRoots: [join(REPO_ROOT, 'labs'), ...extraLabRoots],
    vagrantDir: join(REPO_ROOT, 'vagrant'),
  })
  return {
    core,
    dataDir: data.path,
    cleanup: () => {
      core.dispose()
      data.cleanup()
    },
  }
}
