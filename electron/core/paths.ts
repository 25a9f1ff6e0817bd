// Where things live on disk. The user data folder matches Electron's app.getPath('userData')
// for the product name, so the app, the CLI and the browser host share one database and VM.
import { homedir, platform } from 'node:os'
import { join, resolve } from 'node:path'

export const PRODUCT_NAME = 'Chaos Lab'

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHAOS_LAB_DATA_DIR) return resolve(env.CHAOS_LAB_DATA_DIR)
  switch (platform()) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME)
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME)
    default:
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME)
  }
}

/** The app's own resources, relative to the repository (or the unpacked app) root. */
export function appResources(appRoot: string): { labsDir: string; vagrantDir: string; rendererDir: string } {
  return {
    labsDir: join(appRoot, 'labs'),
    vagrantDir: join(appRoot, 'vagrant'),
    rendererDir: join(appRoot, 'out', 'renderer'),
  }
}
