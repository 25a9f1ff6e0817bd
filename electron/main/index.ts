// Electron main: a window, IPC <-> core, and nothing else. All logic lives in electron/core
// (tested under Node); this file only wires Electron's objects to it.
import { app, BrowserWindow, ipcMain, shell, type IpcMainInvokeEvent } from 'electron'
import { join } from 'node:path'
import { IPC, type ApiEvent } from '../core/api'
import { Core } from '../core/core'
import { isTrustedSender } from '../core/ipcGuard'
import { appResources } from '../core/paths'

const devServerUrl = process.env.ELECTRON_RENDERER_URL
const rendererFile = join(__dirname, '../renderer/index.html')
// Packaged: labs/ and vagrant/ are extraResources next to app.asar; in development: the repo.
const resources = appResources(app.isPackaged ? process.resourcesPath : app.getAppPath())

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  let core: Core | null = null
  let window: BrowserWindow | null = null

  app.on('second-instance', () => {
    if (!window) return
    if (window.isMinimized()) window.restore()
    window.focus()
  })

  app.on('web-contents-created', (_event, contents) => {
    // No page may navigate the app window away or open new windows; web links go to the browser.
    contents.on('will-navigate', (event) => event.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https://')) void shell.openExternal(url)
      return { action: 'deny' }
    })
  })

  app.whenReady().then(() => {
    core = new Core({
      host: 'electron',
      version: app.getVersion(),
      dataDir: app.getPath('userData'),
      labRoots: [resources.labsDir],
      vagrantDir: resources.vagrantDir,
    })

    ipcMain.handle(IPC.call, (event: IpcMainInvokeEvent, method: unknown, input: unknown) => {
      if (!isTrustedSender(event.senderFrame?.url, { rendererFile, devServerUrl })) {
        return { ok: false, error: { code: 'unauthorized', message: 'Refused a call from an untrusted frame.', fix: '', details: [String(event.senderFrame?.url)] } }
      }
      return core!.call(method, input)
    })
    core.onEvent((event: ApiEvent) => window?.webContents.send(IPC.event, event))

    window = new BrowserWindow({
      width: 1360,
      height: 860,
      minWidth: 900,
      minHeight: 560,
      show: false,
      title: 'Chaos Lab',
      autoHideMenuBar: true,
      webPreferences: {
        preload: join(__dirname, '../preload/index.js'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
      },
    })
    window.on('ready-to-show', () => window?.show())
    window.on('closed', () => {
      window = null
    })
    if (devServerUrl) void window.loadURL(devServerUrl)
    else void window.loadFile(rendererFile)
    core.start()
  })

  app.on('window-all-closed', () => app.quit())
  // Quitting reverts every injected fault first (Core.shutdown bounds the wait).
  let quitting = false
  app.on('before-quit', (event) => {
    if (quitting || !core) return
    event.preventDefault()
    quitting = true
    void core.shutdown().finally(() => app.quit())
  })
}
