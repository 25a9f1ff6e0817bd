// Where the Browser pane's page comes from, where its injected scripts are read and where the page
// state goes. In the app all three are the VM, over the one SSH connection. Tests (and only tests,
// through CoreOptions.browserTestTarget) use a web server and folders on this machine instead.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { AppError } from '../errors'
import { shellQuote, type SshConnection } from '../sandbox/sshConnection'
import type { InjectedScript } from './proxy'
import { PAGE_STATE_DIR, type BrowserSources } from './service'

/** An injected script larger than this is cut (a wrapper is a few lines). */
const MAX_SCRIPT_BYTES = 256 * 1024

export function vmBrowserSources(ssh: SshConnection): BrowserSources {
  return {
    openTarget: async (_labId, port) => {
      const forward = await ssh.forward('127.0.0.1', port)
      return { baseUrl: `http://127.0.0.1:${forward.port}`, label: `127.0.0.1:${port} in the VM`, close: () => forward.close() }
    },
    readScripts: async (_labId, folder) => {
      // One round trip: every *.js of the folder (links followed), name order, as name + base64.
      const command = `cd ${shellQuote(folder)} 2>/dev/null || exit 0; for f in *.js; do [ -f "$f" ] || continue; printf '%s\\n' "$f"; head -c ${MAX_SCRIPT_BYTES} "$f" | base64 -w0; echo; done`
      const result = await ssh.exec(command, { user: 'root', timeoutMs: 10_000 })
      if (result.code !== 0) throw new AppError({ code: 'vm', message: `Could not list ${folder} in the VM.`, fix: 'Check that the VM is running.', details: [result.stderr.trim()] })
      return parseScriptListing(result.stdout)
    },
    writeState: async (labId, json) => {
      const file = posix.join(PAGE_STATE_DIR, `${labId}.json`)
      const result = await ssh.exec(`mkdir -p ${PAGE_STATE_DIR} && cat > ${shellQuote(file)}.tmp && chmod 644 ${shellQuote(file)}.tmp && mv -f ${shellQuote(file)}.tmp ${shellQuote(file)}`, { user: 'root', timeoutMs: 10_000, stdin: json })
      if (result.code !== 0) throw new AppError({ code: 'vm', message: `Could not write ${file} in the VM.`, fix: 'Check that the VM is running.', details: [result.stderr.trim()] })
    },
  }
}

export function parseScriptListing(stdout: string): InjectedScript[] {
  const lines = stdout.split('\n')
  const scripts: InjectedScript[] = []
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const name = lines[i]!
    if (name === '') break
    scripts.push({ name, code: Buffer.from(lines[i + 1]!, 'base64').toString('utf8') })
  }
  return scripts
}

export interface BrowserTestTarget {
  /** The web server standing in for the lab's web UI, e.g. http://127.0.0.1:8123 */
  url: string
  /** A local folder standing in for the lab's `inject` folder: its *.js files are injected. */
  scriptsDir: string
  /** Where the page state files go instead of the VM's /run/chaos-lab/browser. */
  stateDir: string
}

/** For tests only: the same contract as the VM, on this machine. */
export function localBrowserSources(test: BrowserTestTarget): BrowserSources {
  return {
    openTarget: async () => ({ baseUrl: test.url.replace(/\/+$/, ''), label: `${new URL(test.url).host} (test server)`, close: async () => undefined }),
    readScripts: async () => {
      let names: string[] = []
      try {
        names = readdirSync(test.scriptsDir).filter((n) => n.endsWith('.js')).sort()
      } catch {
        return []
      }
      return names
        .filter((name) => statSync(join(test.scriptsDir, name)).isFile())
        .map((name) => ({ name, code: readFileSync(join(test.scriptsDir, name)).subarray(0, MAX_SCRIPT_BYTES).toString('utf8') }))
    },
    writeState: async (labId, json) => {
      mkdirSync(test.stateDir, { recursive: true })
      const file = join(test.stateDir, `${labId}.json`)
      writeFileSync(`${file}.tmp`, json)
      renameSync(`${file}.tmp`, file)
    },
  }
}
