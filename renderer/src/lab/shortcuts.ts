// Keyboard shortcuts of the lab features, in one place so the terminal can let them through:
// a safety shortcut that only works outside the terminal would fail exactly when it is needed.

/** Ctrl+Shift+H: Halt, revert every fault. Works everywhere, the terminal included. */
export function isHaltShortcut(event: KeyboardEvent | { ctrlKey: boolean; shiftKey: boolean; altKey: boolean; metaKey: boolean; key: string }): boolean {
  return event.ctrlKey && event.shiftKey && !event.altKey && !event.metaKey && event.key.toLowerCase() === 'h'
}

/** Ctrl+Enter: run the step's check (click mode), or save the prediction being typed. */
export function isSubmitShortcut(event: { ctrlKey: boolean; metaKey: boolean; key: string }): boolean {
  return (event.ctrlKey || event.metaKey) && event.key === 'Enter'
}

export function isTextField(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null
  return Boolean(element && (['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName) || element.isContentEditable))
}
