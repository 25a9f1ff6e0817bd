// Saving text the core produced as a file, the same way in Electron and in a browser: a Blob URL
// on a temporary <a download>. No file dialog of our own, no Node API in the renderer.
export function downloadText(fileName: string, content: string, type: string): void {
  downloadBlob(fileName, new Blob([content], { type: `${type};charset=utf-8` }))
}

/** The same for binary data the renderer made itself (a chart as PNG). */
export function downloadBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  // Not at once: revoking the URL in the same task can cancel the download that just started.
  setTimeout(() => URL.revokeObjectURL(url), 30_000)
}
