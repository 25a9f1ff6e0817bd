// Reading Chaos Toolkit experiments: realistic JSON and YAML fixtures, ${name} substitution,
// the Chaos Toolkit keys that are accepted and ignored, and refusals that say where and how to
// fix (python providers, unknown tolerance types, values from the environment or a vault).
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { AppError } from '../../../electron/core/errors'
import { ExperimentInvalidError, parseExperiment, type ExperimentProblem } from '../../../electron/core/experiments'
import { REPO_ROOT } from '../../helpers/tmp'

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'experiments')
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8')

function problemsOf(text: string, fileName: string): ExperimentInvalidError {
  try {
    parseExperiment(text, fileName)
  } catch (err) {
    expect(err).toBeInstanceOf(AppError)
    expect(err).toBeInstanceOf(ExperimentInvalidError)
    const invalid = err as ExperimentInvalidError
    expect(invalid.code).toBe('lab-invalid')
    // Every problem is in the details too, with its place and its fix.
    expect(invalid.details).toHaveLength(invalid.problems.length)
    invalid.problems.forEach((p, i) => expect(invalid.details[i]).toBe(`${p.line ? `${fileName}:${p.line}` : fileName}: ${p.path ? `${p.path}: ` : ''}${p.message} Fix: ${p.fix}`))
    return invalid
  }
  throw new Error('expected the experiment to be refused')
}

const minimal = (method: unknown[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ title: 't', method, ...extra })

const touch = { type: 'action', name: 'touch', provider: { type: 'process', path: 'touch', arguments: ['/tmp/x'] } }

describe('parseExperiment: the JSON fixture (slow-database-link.json)', () => {
  const experiment = parseExperiment(fixture('slow-database-link.json'), 'slow-database-link.json')

  it('reads title, hypothesis, method and rollbacks', () => {
    expect(experiment.title).toBe('The shop keeps answering when its database link gets slow')
    expect(experiment['steady-state-hypothesis']?.probes.map((p) => p.name)).toEqual(['shop-front-answers', 'nginx-is-active', 'catalogue-loads-quickly'])
    expect(experiment.method.map((a) => `${a.type}:${a.name}`)).toEqual(['action:slow-down-database-link', 'probe:read-shop-error-log'])
    expect(experiment.rollbacks.map((a) => a.name)).toEqual(['restore-database-link'])
    expect(experiment.method[0]!.pauses).toEqual({ after: 5 })
  })

  it('substitutes ${name} from configuration in urls and arguments of every form', () => {
    const [front, nginx, catalogue] = experiment['steady-state-hypothesis']!.probes
    expect(front!.provider).toEqual({ type: 'http', url: 'http://127.0.0.1:8080/health', timeout: [2, 3] })
    expect(front!.tolerance).toBe(200)
    expect(nginx!.tolerance).toBe('active')
    expect(catalogue!.provider).toMatchObject({ arguments: "-s -o /dev/null -w '%{time_total}' http://127.0.0.1:8080/catalogue" })
    expect(catalogue!.tolerance).toEqual([0, 1.5])
    expect(experiment.method[0]!.provider).toMatchObject({ arguments: ['tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '300ms'] })
    expect(experiment.rollbacks[0]!.provider).toMatchObject({ arguments: { tc: '', qdisc: '', del: '', dev: 'lo', root: '' } })
  })

  it('keeps the Chaos Toolkit keys it does not use without complaint', () => {
    expect(experiment.version).toBe('1.0.0')
    expect(experiment.tags).toEqual(['network', 'latency', 'postgres'])
    expect(experiment.contributions).toEqual({ availability: 'high', latency: 'medium' })
  })

  it('reads the same experiment written as YAML to the same result', () => {
    const asYaml = stringify(JSON.parse(fixture('slow-database-link.json')))
    expect(parseExperiment(asYaml, 'slow-database-link.yaml')).toEqual(experiment)
  })
})

describe('parseExperiment: the YAML fixture (full-disk.yaml)', () => {
  const experiment = parseExperiment(fixture('full-disk.yaml'), 'full-disk.yaml')

  it('reads every tolerance form it uses', () => {
    const probes = experiment['steady-state-hypothesis']!.probes
    expect(probes.map((p) => p.tolerance)).toEqual([
      [0, 90],
      { type: 'jsonpath', path: '$.checks[*].status', expect: ['ok', 'ok'] },
      { type: 'regex', pattern: '(?i)"state":\\s*"healthy"', target: 'body' },
      true,
    ])
    expect(probes[0]!.provider).toMatchObject({ type: 'process', path: 'sh', arguments: '-c "df --output=pcent /srv/data | tail -n 1 | tr -dc 0-9"' })
    expect(probes[1]!.provider).toEqual({ type: 'http', url: 'http://127.0.0.1:9090/status', headers: { Accept: 'application/json' } })
  })

  it('replaces a ref with a copy of the activity it names', () => {
    expect(experiment.method.map((a) => a.name)).toEqual(['fill-data-disk', 'all-checks-ok', 'disk-check-is-failing'])
    expect(experiment.method[1]).toEqual(experiment['steady-state-hypothesis']!.probes[1])
    expect(experiment.method[1]).not.toBe(experiment['steady-state-hypothesis']!.probes[1])
  })

  it('reads pauses, timeouts and rollbacks', () => {
    expect(experiment.method[0]).toMatchObject({ pauses: { before: 1, after: 10 }, provider: { timeout: 30, arguments: ['fallocate', '-l', '20G', '/srv/data/.chaos-filler'] } })
    expect(experiment.rollbacks.map((a) => a.name)).toEqual(['remove-filler', 'restart-orders'])
  })

  it('ignores controls and extensions, even ones naming a python provider', () => {
    expect(experiment.controls).toBeDefined()
    expect(experiment.extensions).toBeDefined()
  })
})

describe('parseExperiment refuses, naming the place and the fix', () => {
  it('a python provider, naming the activity and the function', () => {
    const error = problemsOf(fixture('python-provider.json'), 'python-provider.json')
    expect(error.problems).toEqual<ExperimentProblem[]>([
      {
        path: 'method[0].provider.type',
        line: 20,
        message:
          'Activity "terminate-one-front-pod" uses the python provider (chaosk8s.pod.actions.terminate_pods): the python provider runs Python code inside Chaos Toolkit\'s own process, and Chaos Lab runs experiments without Chaos Toolkit.',
        fix: 'Rewrite it as a process provider running a script in the VM, e.g. provider: {type: process, path: python3, arguments: [/home/vagrant/check.py]}.',
      },
    ])
    expect(error.message).toBe(`python-provider.json is not a valid experiment (line 20): ${error.problems[0]!.message}`)
    expect(error.fix).toBe(error.problems[0]!.fix)
  })

  it('an unknown tolerance type', () => {
    const error = problemsOf(fixture('unknown-tolerance.yaml'), 'unknown-tolerance.yaml')
    expect(error.problems).toHaveLength(1)
    expect(error.problems[0]).toMatchObject({
      path: 'steady-state-hypothesis.probes[0].tolerance.type',
      message: 'The tolerance of "p99-latency" has the type "threshold", which is not a tolerance type.',
    })
    expect(error.problems[0]!.fix).toMatch(/^Use one of regex, jsonpath, range or probe\./)
  })

  it('${name} references to values from the environment or a vault', () => {
    const error = problemsOf(fixture('env-secret.yaml'), 'env-secret.yaml')
    expect(error.problems).toEqual([
      {
        path: 'steady-state-hypothesis.probes[0].provider.headers.Authorization',
        line: 25,
        message:
          'Activity "admin-api-answers" uses ${api_token}, but the secret "api_token" (secrets.admin.api_token) comes from the environment variable ADMIN_API_TOKEN of the machine running the experiment, which Chaos Lab does not read.',
        fix: 'Use a value the lab can see: put it under configuration, e.g. configuration: {api_token: "..."} (lab secrets are not secret in the VM anyway).',
      },
      {
        path: 'method[0].provider.arguments[2]',
        line: 32,
        message:
          'Activity "stop-auth-service" uses ${region}, but the configuration "region" comes from the environment variable AWS_REGION of the machine running the experiment, which Chaos Lab does not read.',
        fix: 'Give "region" a plain value under configuration, e.g. region: "<the value>".',
      },
    ])
    expect(error.message).toMatch(/^env-secret\.yaml is not a valid experiment: 2 problems, the first \(line 25\): Activity "admin-api-answers" uses \$\{api_token\}/)
  })

  it('a vault secret when it is used (and not when it is not)', () => {
    const secrets = { app: { token: { type: 'vault', path: 'secret/app' } } }
    const uses = { type: 'action', name: 'call', provider: { type: 'http', url: 'http://127.0.0.1:1/x', headers: { 'X-Token': '${token}' } } }
    expect(problemsOf(minimal([uses], { secrets }), 'v.json').problems[0]!.message).toMatch(/the secret "token" \(secrets\.app\.token\) comes from a HashiCorp Vault/)
    expect(() => parseExperiment(minimal([touch], { secrets }), 'v.json')).not.toThrow()
  })

  it('every problem of a first draft at once, in document order', () => {
    const error = problemsOf(fixture('many-problems.yaml'), 'many-problems.yaml')
    expect(error.problems.map((p) => p.path)).toEqual([
      'steady_state_hypothesis',
      'method[0].provider.argumnets',
      'method[0]',
      'method[1].tolerance.pattern',
      'method[1].provider.url',
      'method[2].background',
      'rollbacks[0].ref',
    ])
    // Each at the line of the key (or list item) to fix.
    expect(error.problems.map((p) => p.line)).toEqual([2, 11, 5, 16, 19, 22, 27])
    expect(error.details[0]).toMatch(/^many-problems\.yaml:2: steady_state_hypothesis: Unknown key "steady_state_hypothesis"/)
    const byPath = Object.fromEntries(error.problems.map((p) => [p.path, p]))
    expect(byPath['steady_state_hypothesis']!.fix).toMatch(/Did you mean "steady-state-hypothesis"\?/)
    expect(byPath['method[0].provider.argumnets']!.fix).toMatch(/Did you mean "arguments"\?/)
    expect(byPath['method[0]']!.message).toBe('The action "restart-web" has a tolerance; only probes are checked against a tolerance.')
    expect(byPath['method[1].tolerance.pattern']!.message).toMatch(/^The pattern \/ready\(\(\/ of "web-answers" is not a valid regular expression/)
    expect(byPath['method[1].provider.url']!.message).toBe('method[1].provider.url must be an http:// or https:// address.')
    expect(byPath['method[2].background']!.message).toBe('Activity "in-background" runs in the background; Chaos Lab runs activities one after another.')
    expect(byPath['rollbacks[0].ref']!.message).toBe('The activity at rollbacks[0] refers to "no-such-activity", but no activity with that name is declared in this experiment.')
    expect(error.message).toMatch(/^many-problems\.yaml is not a valid experiment: 7 problems, the first \(line 2\): Unknown key/)
    expect(error.fix).toBe('Fix each problem listed in the details, then load the experiment again.')
  })

  it.each<[string, string, unknown, RegExp, string]>([
    ['an unknown provider type', 'ssh', { type: 'action', name: 'a', provider: { type: 'ssh', host: 'x' } }, /uses the provider type "ssh", which Chaos Lab does not know/, 'method[0].provider.type'],
    ['a python provider inside a probe tolerance', 'py-tol', { type: 'probe', name: 'p', tolerance: { type: 'probe', name: 'judge', provider: { type: 'python', module: 'm', func: 'f' } }, provider: { type: 'process', path: 'true' } }, /Activity "judge" uses the python provider \(m\.f\)/, 'method[0].tolerance.provider.type'],
    ['a list tolerance that is not a range', 'list', { type: 'probe', name: 'p', tolerance: [200, 201, 204], provider: { type: 'http', url: 'http://127.0.0.1:1/' } }, /a list tolerance must be exactly two numbers/, 'method[0].tolerance'],
    ['a fractional status', 'frac', { type: 'probe', name: 'p', tolerance: 0.5, provider: { type: 'process', path: 'true' } }, /a number tolerance is an exit or HTTP status, a whole number/, 'method[0].tolerance'],
    ['a tolerance mapping without a type', 'notype', { type: 'probe', name: 'p', tolerance: { pattern: 'x' }, provider: { type: 'process', path: 'true' } }, /is a mapping without a type/, 'method[0].tolerance.type'],
    ['a JSONPath filter', 'filter', { type: 'probe', name: 'p', tolerance: { type: 'jsonpath', path: '$.a[?(@.b)]' }, provider: { type: 'process', path: 'true' } }, /The JSONPath \$\.a\[\?\(@\.b\)\] of "p" cannot be used: filter and script expressions/, 'method[0].tolerance.path'],
    ['a target a process does not have', 'target', { type: 'probe', name: 'p', tolerance: { type: 'regex', pattern: 'x', target: 'body' }, provider: { type: 'process', path: 'true' } }, /"p" is a process probe, which has no body to check/, 'method[0].tolerance.target'],
    ['a process without a path', 'nopath', { type: 'action', name: 'a', provider: { type: 'process' } }, /method\[0\]\.provider\.path is missing/, 'method[0].provider.path'],
    ['an activity without a type', 'notype2', { name: 'a', provider: { type: 'process', path: 'true' } }, /method\[0\]\.type is missing/, 'method[0].type'],
  ])('%s', (_label, name, activity, message, path) => {
    const error = problemsOf(minimal([activity]), `${name}.json`)
    expect(error.problems.map((p) => p.path)).toContain(path)
    expect(error.problems.find((p) => p.path === path)!.message).toMatch(message)
  })

  it('hypothesis probes without a tolerance, and actions in the hypothesis', () => {
    const error = problemsOf(
      minimal([touch], {
        'steady-state-hypothesis': {
          title: 'normal',
          probes: [
            { type: 'probe', name: 'no-tolerance', provider: { type: 'process', path: 'true' } },
            { type: 'action', name: 'changes-things', tolerance: 0, provider: { type: 'process', path: 'true' } },
          ],
        },
      }),
      'h.json',
    )
    const messages = error.problems.map((p) => `${p.path}: ${p.message}`)
    expect(messages).toContain('steady-state-hypothesis.probes[0].tolerance: Probe "no-tolerance" in the steady-state hypothesis has no tolerance.')
    expect(messages).toContain('steady-state-hypothesis.probes[1].type: Activity "changes-things" in the steady-state hypothesis is an action; the hypothesis only observes, with probes.')
  })

  it('an empty method, and a document that is not an experiment', () => {
    expect(problemsOf(minimal([]), 'empty.json').problems[0]).toMatchObject({ path: 'method', message: 'method needs at least one action or probe.' })
    expect(problemsOf('- just\n- a list\n', 'list.yaml').problems[0]!.message).toMatch(/does not contain an experiment/)
  })

  it('syntax errors, with the position', () => {
    expect(problemsOf('{"title": "t",, }', 'broken.json').problems[0]!.message).toMatch(/^JSON syntax error: /)
    const json = problemsOf('{\n  "title": "t",\n  "method": []\n  "rollbacks": []\n}\n', 'broken.json')
    expect(json.problems[0]!.line).toBe(4)
    expect(json.message).toMatch(/^broken\.json is not a valid experiment \(line 4\): JSON syntax error/)
    const yaml = problemsOf('title: t\nmethod:\n  - type: action\n   name: x\n', 'broken.yaml')
    expect(yaml.problems[0]!.message).toMatch(/^YAML syntax error at line \d+: /)
    expect(yaml.problems[0]!.line).toBe(Number(/line (\d+)/.exec(yaml.problems[0]!.message)![1]))
  })

  it('a process command that would cut the SSH connection to the VM, in any argument form; the same on lo is fine', () => {
    const netem = (dev: string) => ({ type: 'action', name: `netem-${dev}`, provider: { type: 'process', path: 'tc', arguments: `qdisc add dev ${dev} root netem loss 100%` } })
    const drop = { type: 'action', name: 'drop-all', provider: { type: 'process', path: 'iptables', arguments: ['-A', 'INPUT', '-j', 'DROP'] } }
    const viaShell = { type: 'action', name: 'via-sh', provider: { type: 'process', path: 'sh', arguments: { '-c': 'tc qdisc replace dev eth0 root netem delay 2s' } } }
    const error = problemsOf(minimal([netem('eth0'), drop], { rollbacks: [viaShell] }), 'cut.json')
    expect(error.problems.map((p) => [p.path, p.line])).toEqual([
      ['method[0].provider', 1],
      ['method[1].provider', 1],
      ['rollbacks[0].provider', 1],
    ])
    expect(error.problems[0]!.message).toBe('Activity "netem-eth0" changes the queueing discipline of eth0, which would cut Chaos Lab\'s SSH connection to the VM.')
    expect(error.problems[1]!.message).toMatch(/drops or rejects traffic without limiting it to a port/)
    expect(error.problems[0]!.fix).toMatch(/on lo, docker0 or a lab network namespace/)
    expect(() => parseExperiment(minimal([netem('lo'), { ...drop, provider: { ...drop.provider, arguments: ['-A', 'INPUT', '-p', 'tcp', '--dport', '8080', '-j', 'DROP'] } }]), 'ok.json')).not.toThrow()
  })
})

describe('${name} substitution', () => {
  it('replaces known names, leaves shell variables alone, and reaches titles and tolerances', () => {
    const experiment = parseExperiment(
      JSON.stringify({
        title: 'Restart ${service}',
        configuration: { service: 'nginx', port: 8080, expected: 'active', verbose: true },
        'steady-state-hypothesis': {
          title: '${service} is up',
          probes: [{ type: 'probe', name: 'up', tolerance: { type: 'regex', pattern: '^${expected}$' }, provider: { type: 'process', path: 'systemctl', arguments: ['is-active', '${service}'] } }],
        },
        method: [
          { type: 'action', name: 'restart', provider: { type: 'process', path: 'sh', arguments: '-c "systemctl restart ${service} && echo $HOME ${HOME} ${verbose}"' } },
          { type: 'probe', name: 'port', provider: { type: 'http', url: 'http://127.0.0.1:${port}/', arguments: { q: '${service}' } } },
        ],
      }),
      'sub.json',
    )
    expect(experiment.title).toBe('Restart nginx')
    expect(experiment['steady-state-hypothesis']!.title).toBe('nginx is up')
    expect(experiment['steady-state-hypothesis']!.probes[0]!.tolerance).toEqual({ type: 'regex', pattern: '^active$' })
    expect(experiment['steady-state-hypothesis']!.probes[0]!.provider).toMatchObject({ arguments: ['is-active', 'nginx'] })
    expect(experiment.method[0]!.provider).toMatchObject({ arguments: '-c "systemctl restart nginx && echo $HOME ${HOME} true"' })
    expect(experiment.method[1]!.provider).toMatchObject({ url: 'http://127.0.0.1:8080/', arguments: { q: 'nginx' } })
  })

  it('uses inline secret values like configuration', () => {
    const experiment = parseExperiment(
      minimal([{ type: 'action', name: 'a', provider: { type: 'http', url: 'http://127.0.0.1:1/', headers: { Authorization: 'Bearer ${token}' } } }], { secrets: { api: { token: 's3cret' } } }),
      's.json',
    )
    expect(experiment.method[0]!.provider).toMatchObject({ headers: { Authorization: 'Bearer s3cret' } })
  })
})
