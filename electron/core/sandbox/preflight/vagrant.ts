import type { PreflightCheck } from '../../api'
import { runVagrant, type VagrantEnvironment } from '../vagrantCli'

const TITLE = 'Vagrant'
const INSTALL_URL = 'https://developer.hashicorp.com/vagrant/install'
// The Vagrantfile and the status parsing are written against 2.3's behaviour.
const MINIMUM: [number, number] = [2, 3]

export async function checkVagrant(environment: VagrantEnvironment): Promise<PreflightCheck> {
  const result = await runVagrant(environment, ['--version'], 30_000)
  const executable = environment.executable ?? 'vagrant'
  if (result.spawnError) {
    const notFound = result.spawnError.code === 'ENOENT'
    return {
      id: 'vagrant',
      title: TITLE,
      status: 'fail',
      detail: notFound
        ? `Vagrant not found (looked for ${environment.executable ? executable : '"vagrant" on PATH'})`
        : `Vagrant could not be started: ${result.spawnError.message}`,
      fix: notFound
        ? `Install Vagrant ${MINIMUM.join('.')} or newer from ${INSTALL_URL} (on Debian or Ubuntu: sudo apt install vagrant), then restart Chaos Lab so it sees the new PATH.`
        : `Check that ${executable} is an executable file (reinstall Vagrant from ${INSTALL_URL} if unsure), then run the checks again.`,
    }
  }

  const match = /Vagrant\s+(\d+)\.(\d+)(?:\.(\d+))?/.exec(result.stdout)
  if (result.code !== 0 || !match) {
    const output = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' ')
    return {
      id: 'vagrant',
      title: TITLE,
      status: 'fail',
      detail: `"vagrant --version" failed${output ? `: ${output}` : ` with exit code ${result.code}`}`,
      fix: `Run "vagrant --version" in a terminal to see the full error; reinstalling Vagrant from ${INSTALL_URL} usually repairs a broken installation.`,
    }
  }

  const [major, minor] = [Number(match[1]), Number(match[2])]
  const version = match.slice(1).filter((part) => part !== undefined).join('.')
  if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
    return {
      id: 'vagrant',
      title: TITLE,
      status: 'fail',
      detail: `Vagrant ${version} is too old (Chaos Lab needs ${MINIMUM.join('.')} or newer)`,
      fix: `Upgrade Vagrant to ${MINIMUM.join('.')} or newer from ${INSTALL_URL}, then run "vagrant plugin update" so the provider plugins match it.`,
    }
  }
  return { id: 'vagrant', title: TITLE, status: 'ok', detail: `Vagrant ${version}`, fix: '' }
}
