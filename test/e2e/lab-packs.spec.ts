// Classroom lab packs in Chromium through the browser host: the path of a folder of labs is
// typed in, the catalogue reloads with its labs and lists its broken ones with file:line and a
// fix, the pack is still there after a restart, and removing it takes its labs away.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, REPO_ROOT, startHost, test as base, withHost, type Host } from './host'

const SCREENSHOTS = join(REPO_ROOT, 'artifacts', 'screenshots')
mkdirSync(SCREENSHOTS, { recursive: true })

/** A workshop pack: one good lab, one with a typo in its lab.yaml. */
function writePack(): string {
  const pack = mkdtempSync(join(tmpdir(), 'chaos-lab-e2e-class-'))
  const lab = (id: string, extra: string): void => {
    mkdirSync(join(pack, id, 'steps'), { recursive: true })
    writeFileSync(
      join(pack, id, 'lab.yaml'),
      [`id: ${id}`, `title: Workshop ${id}`, 'source: workshop', 'topic: classroom', 'summary: A lab from the workshop pack.', 'minutes: 5', extra, 'steps:', '  - id: first', '    title: The first step', ''].filter(Boolean).join('\n'),
    )
    writeFileSync(join(pack, id, 'steps', 'first.md'), 'Do the thing.\n')
  }
  lab('class-latency', '')
  lab('class-typo', 'minuts: 5')
  return pack
}

const test = base.extend<{ app: Host; pack: string }>({
  pack: async ({}, use) => {
    const pack = writePack()
    await use(pack)
    rmSync(pack, { recursive: true, force: true })
  },
  app: ({}, use) => withHost({}, use),
})

test('add a classroom pack by its path: its labs and its broken lab show in the catalogue; it stays; remove takes it away', async ({ page, app, pack }) => {
  test.slow() // two app starts
  await page.goto(app.url)
  await expect(page.locator('.lab-card[data-lab-id]').first()).toBeVisible()
  await expect(page.locator('.lab-card[data-lab-id="class-latency"]')).toHaveCount(0)

  await page.getByRole('link', { name: 'Lab packs' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Lab packs')
  await expect(page.getByTestId('pack')).toHaveCount(1)
  await expect(page.getByTestId('pack').first()).toContainText('Built in')

  // A wrong path first: refused with what to do.
  const input = page.getByTestId('pack-path')
  await input.fill('workshop-labs')
  await input.press('Enter')
  await expect(page.getByRole('alert')).toContainText('"workshop-labs" is not a full path.')
  await expect(page.getByRole('alert')).toContainText('Type the folder\'s full path')
  // A lab folder instead of the pack: the fix names the right folder.
  await input.fill(join(pack, 'class-latency'))
  await page.getByTestId('add-pack').click()
  await expect(page.getByRole('alert')).toContainText(`Add the folder that contains it instead: ${pack}`)

  await input.fill(pack)
  await page.getByTestId('add-pack').click()
  const added = page.locator(`[data-testid="pack"][data-path="${pack}"]`)
  await expect(added).toContainText('1 lab · 1 with problems')
  await expect(page.getByRole('alert')).toHaveCount(0)
  await expect(input).toHaveValue('')
  await expect(page.getByTestId('toast').filter({ hasText: 'Lab pack added' })).toBeVisible()
  await page.screenshot({ path: join(SCREENSHOTS, 'lab-packs.png') })

  // The catalogue reloaded: the good lab is a card, the broken one is under it with its fix.
  await added.getByRole('link', { name: 'See the problems' }).click()
  await expect(page.locator('.lab-card[data-lab-id="class-latency"]')).toContainText('Workshop class-latency')
  const problems = page.locator('.problems')
  await expect(problems).toContainText(`${join(pack, 'class-typo', 'lab.yaml')}:7`)
  await expect(problems).toContainText('Unknown key "minuts"')
  await expect(problems).toContainText('Did you mean "minutes"?')

  // A restart of the app: the pack is still there.
  await app.stop()
  const again = await startHost({ dataDir: app.dataDir })
  try {
    await page.goto(again.url)
    await expect(page.locator('.lab-card[data-lab-id="class-latency"]')).toBeVisible()
    await page.goto(new URL('#/packs', again.url).toString())
    const row = page.locator(`[data-testid="pack"][data-path="${pack}"]`)
    await row.getByRole('button', { name: `Remove the lab pack ${pack}` }).click()
    await expect(row).toHaveCount(0)
    await page.goto(new URL('#/', again.url).toString())
    await expect(page.locator('.lab-card[data-lab-id]').first()).toBeVisible()
    await expect(page.locator('.lab-card[data-lab-id="class-latency"]')).toHaveCount(0)
    await expect(page.getByText('class-typo')).toHaveCount(0)
  } finally {
    await again.stop()
  }
})
