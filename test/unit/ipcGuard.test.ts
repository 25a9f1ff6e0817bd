import { describe, expect, it } from 'vitest'
import { isTrustedSender } from '../../electron/core/ipcGuard'

const rendererFile = '/opt/Chaos Lab/resources/app.asar/out/renderer/index.html'

describe('isTrustedSender', () => {
  it('trusts only the packaged renderer file', () => {
    expect(isTrustedSender('file:///opt/Chaos%20Lab/resources/app.asar/out/renderer/index.html', { rendererFile })).toBe(true)
    expect(isTrustedSender('file:///opt/Chaos%20Lab/resources/app.asar/out/renderer/index.html#/labs/x', { rendererFile })).toBe(true)
    expect(isTrustedSender('file:///tmp/evil.html', { rendererFile })).toBe(false)
  })

  it('trusts the dev server origin only in development', () => {
    expect(isTrustedSender('http://localhost:5173/', { rendererFile, devServerUrl: 'http://localhost:5173' })).toBe(true)
    expect(isTrustedSender('http://localhost:5173/', { rendererFile })).toBe(false)
    expect(isTrustedSender('http://localhost:5174/', { rendererFile, devServerUrl: 'http://localhost:5173' })).toBe(false)
  })

  it('refuses web pages, missing and malformed URLs', () => {
    expect(isTrustedSender('https://example.org/', { rendererFile })).toBe(false)
    expect(isTrustedSender(undefined, { rendererFile })).toBe(false)
    expect(isTrustedSender('not a url', { rendererFile })).toBe(false)
  })
})
