// Which renderer frames may call the core over Electron IPC. Electron main imports this; it
// lives in the core so it is tested under Node.
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A sender is trusted only if it is the app's own top-level page: the built renderer loaded
 * from file:// (packaged) or the electron-vite dev server's exact origin (development).
 * Anything else (an iframe, a page navigated elsewhere, a lab's embedded browser) is refused.
 */
export function isTrustedSender(senderUrl: string | undefined, trusted: { rendererFile: string; devServerUrl?: string }): boolean {
  if (!senderUrl) return false
  let url: URL
  try {
    url = new URL(senderUrl)
  } catch {
    return false
  }
  if (url.protocol === 'file:') {
    // Compare file system paths, not URL spellings (%20 vs space, drive letters on Windows).
    try {
      return resolve(fileURLToPath(url)) === resolve(trusted.rendererFile)
    } catch {
      return false
    }
  }
  if (trusted.devServerUrl) return url.origin === new URL(trusted.devServerUrl).origin
  return false
}
