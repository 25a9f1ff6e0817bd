import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, type ApiEvent } from '../../electron/core/api'
import { unwrap } from '../../electron/core/errors'
import { testCore } from '../helpers/core'

let ctx: ReturnType<typeof testCore>
beforeEach(() => {
  ctx = testCore()
})
afterEach(() => ctx.cleanup())

describe('Core.call (the gate every transport uses)', () => {
  it('answers a valid call with a value', async () => {
    const reply = await ctx.core.call('settings:get', undefined)
    expect(reply).toEqual({ ok: true, value: DEFAULT_SETTINGS })
  })

  it('treats null as "no input" for methods without one (JSON cannot carry undefined)', async () => {
    expect((await ctx.core.call('labs:list', null)).ok).toBe(true)
  })

  it('refuses an unknown method with a fix, without throwing', async () => {
    const reply = await ctx.core.call('vm:format-disk', {})
    expect(reply).toMatchObject({ ok: false, error: { code: 'unknown-method', fix: expect.stringContaining('restart') } })
  })

  it('refuses input that breaks the contract and says which field', async () => {
    const reply = await ctx.core.call('settings:update', { theme: 'neon', extra: 1 })
    expect(reply.ok).toBe(false)
    if (reply.ok) return
    expect(reply.error.code).toBe('bad-request')
    expect(reply.error.details.join('\n')).toMatch(/theme/)
    expect(reply.error.details.join('\n')).toMatch(/extra/)
  })

  it('turns a handler failure into an error envelope with a fix', async () => {
    const reply = await ctx.core.call('labs:open', { id: 'no-such-lab' })
    expect(reply).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringContaining('no-such-lab') } })
  })
})

describe('lab progress through the API', () => {
  it('marks a lab in progress when it is first opened and emits progress:changed', async () => {
    const events: ApiEvent[] = []
    const off = ctx.core.onEvent((e) => events.push(e))
    const before = unwrap(await ctx.core.call('labs:list', undefined)) as { labs: { id: string; status: string }[] }
    const lab = before.labs[0]!
    expect(lab.status).toBe('new')

    const opened = unwrap(await ctx.core.call('labs:open', { id: lab.id })) as { status: string; steps: unknown[] }
    expect(opened.status).toBe('in-progress')
    expect(opened.steps.length).toBeGreaterThan(0)
    expect(events).toEqual([{ name: 'progress:changed', payload: { labId: lab.id } }])

    // Opening again neither changes the status nor emits again.
    await ctx.core.call('labs:open', { id: lab.id })
    expect(events).toHaveLength(1)
    off()
  })

  it('emits settings:changed with the new settings', async () => {
    const events: ApiEvent[] = []
    const off = ctx.core.onEvent((e) => events.push(e))
    await ctx.core.call('settings:update', { theme: 'dark' })
    expect(events).toEqual([{ name: 'settings:changed', payload: { ...DEFAULT_SETTINGS, theme: 'dark' } }])
    off()
    await ctx.core.call('settings:update', { theme: 'light' })
    expect(events).toHaveLength(1)
  })
})
