// IPC channel names shared by electron/main and electron/preload. Kept free of imports: the
// sandboxed preload cannot require npm packages, so nothing it bundles may pull in zod.
export const IPC = { call: 'chaos-lab:call', event: 'chaos-lab:event' } as const
