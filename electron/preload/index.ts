// The preload: exposes the raw API transport on window.chaosLab and nothing else. The renderer
// wraps it in the same typed client it uses over the browser host's WebSocket.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { ApiEvent, PreloadBridge } from '../core/api'
import { IPC } from '../core/ipcChannels'

const bridge: PreloadBridge = {
  call: (method, input) => ipcRenderer.invoke(IPC.call, method, input),
  onEvent: (listener) => {
    const handler = (_event: IpcRendererEvent, apiEvent: ApiEvent): void => listener(apiEvent)
    ipcRenderer.on(IPC.event, handler)
    return () => ipcRenderer.removeListener(IPC.event, handler)
  },
}

contextBridge.exposeInMainWorld('chaosLab', bridge)
