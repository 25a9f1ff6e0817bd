// Running the vagrant CLI for short queries (version, status). Long operations that stream
// output (up, provision) go through a PTY in the lifecycle code instead.
import { execFile } from 'node:child_process'

export interface VagrantEnvironment {
  /** Folder holding the Vagrantfile (the app's vagrant/ folder). */
  vagrantDir: string
  /** Where Vagrant keeps this VM's machine state (.vagrant), in the user data folder. */
  dotfilePath: string
  /** Extra variables, e.g. CHAOS_LAB_BOX=ci or resource overrides from Settings. */
  env?: Record<string, string>
  /** The vagrant executable; tests may point at a specific one. */
  executable?: string
}

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
  /** Set when the executable itself could not be started. */
  spawnError: NodeJS.ErrnoException | null
}

export function runVagrant(environment: VagrantEnvironment, args: string[], timeoutMs = 60_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      environment.executable ?? 'vagrant',
      args,
      {
        cwd: environment.vagrantDir,
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        env: {
          ...process.env,
          VAGRANT_DOTFILE_PATH: environment.dotfilePath,
          VAGRANT_CHECKPOINT_DISABLE: '1',
          VAGRANT_NO_COLOR: '1',
          ...environment.env,
        },
      },
      (error, stdout, stderr) => {
        const spawnError = error && typeof (error as NodeJS.ErrnoException).code === 'string' ? (error as NodeJS.ErrnoException) : null
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr, spawnError })
      },
    )
  })
}
