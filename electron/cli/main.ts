#!/usr/bin/env node
// `chaos-lab <noun> <verb>`: a client of the same core the app uses. Data goes to stdout,
// progress and errors to stderr; exit codes: 0 ok, 1 failure, 2 usage.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { Core } from '../core/core'
import { AppError, toErrorInfo, type ErrorInfo } from '../core/errors'
import { appResources, defaultDataDir } from '../core/paths'
import { labList } from './labList'
import { labSchema } from './labSchema'
import { labValidate } from './labValidate'
import { labTest } from './labTest'
import { vmCommand } from './vm'
import { experimentRun, experimentValidate } from './experiment'
import { serve } from './serve'

const APP_ROOT = resolve(__dirname, '..', '..')

const USAGE = `Usage: chaos-lab <command> [options]

Commands:
  serve                 Start the browser host on 127.0.0.1 and print its URL
      --port N          Port to listen on (default: a free one)
      --json            Print {"url": ...} as one JSON line instead of text
  lab list              List the labs and any lab folder that failed to load
      --json            Machine-readable output
  lab validate [DIR...] Check labs (a lab folder or a pack; default: all) and
                        report every problem with file, line and a fix
  lab schema            Print the lab.yaml JSON Schema (for editors)
  lab test ID... | --all
                        Content CI: set up, solve and check every step of the
                        labs in the running VM, clean up, require no faults left
  vm start | vm stop | vm status
                        Drive the lab VM from the command line
  experiment validate FILE...
                        Check Chaos Toolkit experiments (JSON or YAML) as the
                        app's import does: every problem with file:line and a fix
  experiment run FILE   Run one in the VM (process providers, as root; http
                        ones from here), rollbacks always; Ctrl+C stops it
      --journal OUT     Write the Chaos Toolkit-style journal (JSON) to OUT
      --markdown OUT    Write the run as a Markdown report to OUT

Options for every command:
  --data-dir DIR        User data folder (default: ${defaultDataDir()})
  --labs DIR            Add a lab pack folder (repeatable)
  -h, --help            Show this help
`

export interface CliContext {
  version: string
  createCore(host: 'browser' | 'electron'): Core
  rendererDir: string
  out: (line: string) => void
  err: (line: string) => void
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      labs: { type: 'string', multiple: true, default: [] },
      all: { type: 'boolean', default: false },
      journal: { type: 'string' },
      markdown: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  // `lab validate` takes folders after the verb; every other command is just its words.
  const takesArguments = (positionals[0] === 'lab' && (positionals[1] === 'validate' || positionals[1] === 'test')) || positionals[0] === 'experiment'
  const command = positionals.slice(0, takesArguments ? 2 : undefined).join(' ')
  if (values.help || command === '') {
    process.stdout.write(USAGE)
    return values.help ? 0 : 2
  }
  const resources = appResources(APP_ROOT)
  const version = (JSON.parse(readFileSync(resolve(APP_ROOT, 'package.json'), 'utf8')) as { version: string }).version
  const context: CliContext = {
    version,
    rendererDir: resources.rendererDir,
    createCore: (host) =>
      new Core({
        host,
        version,
        dataDir: values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir(),
        labRoots: [resources.labsDir, ...values.labs.map((dir) => resolve(dir))],
        vagrantDir: resources.vagrantDir,
        // Vagrant's own variable, honoured so a session can point at a machine it made
        // (the VM test job does, so its teardown finds the VM whatever the app did).
        vagrantDotfilePath: process.env.VAGRANT_DOTFILE_PATH || undefined,
        // Tests only (test/e2e/browser.spec.ts): the Browser pane shows a local test server.
        browserTestTarget: process.env.CHAOS_LAB_TEST_BROWSER_TARGET
          ? { url: process.env.CHAOS_LAB_TEST_BROWSER_TARGET, scriptsDir: process.env.CHAOS_LAB_TEST_BROWSER_SCRIPTS ?? '', stateDir: process.env.CHAOS_LAB_TEST_BROWSER_STATE ?? '' }
          : undefined,
      }),
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
  }
  switch (command) {
    case 'serve': {
      const port = values.port === undefined ? 0 : Number(values.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new AppError({ code: 'bad-request', message: `--port ${values.port} is not a port number.`, fix: 'Pass a number from 1 to 65535, or leave --port out to pick a free one.' })
      }
      return serve(context, { port, json: values.json })
    }
    case 'lab list':
      return labList(context, { json: values.json })
    case 'lab validate':
      return labValidate(context, positionals.slice(2), [resources.labsDir, ...values.labs.map((dir) => resolve(dir))])
    case 'lab test':
      return labTest(context, positionals.slice(2), values.all)
    case 'vm start':
    case 'vm stop':
    case 'vm status':
      return vmCommand(context, command.split(' ')[1] as 'start' | 'stop' | 'status')
    case 'lab schema':
      return labSchema(context)
    case 'experiment validate':
      return experimentValidate(context, positionals.slice(2))
    case 'experiment run':
      return experimentRun(context, positionals.slice(2), { journal: values.journal, markdown: values.markdown })
    default:
      process.stderr.write(`chaos-lab: unknown command "${command}"\n\n${USAGE}`)
      return 2
  }
}

export function printError(info: ErrorInfo, err: (line: string) => void): void {
  err(`error: ${info.message}`)
  if (info.fix) err(`  fix: ${info.fix}`)
  for (const line of info.details) err(`  | ${line}`)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    printError(toErrorInfo(error), (line) => process.stderr.write(line + '\n'))
    process.exitCode = 1
  },
)
