// Find in the terminal (Ctrl+Shift+F): searches as you type, Enter / Shift+Enter for the next
// and previous match, Alt+C / Alt+W / Alt+R toggle case, whole word and regex, Escape closes.
import type { ISearchOptions, SearchAddon } from '@xterm/addon-search'
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'

function decorations(): ISearchOptions['decorations'] {
  const style = getComputedStyle(document.documentElement)
  const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback
  // xterm takes #RRGGBB colours only here.
  return {
    matchBackground: v('--term-find-match', '#f59f00'),
    matchOverviewRuler: v('--term-find-match', '#f59f00'),
    activeMatchBackground: v('--term-find-active', '#d9480f'),
    activeMatchColorOverviewRuler: v('--term-find-active', '#d9480f'),
  }
}

export function FindBar({ search, initial, onClose }: { search: SearchAddon; initial: string; onClose(): void }): ReactNode {
  const [query, setQuery] = useState(initial)
  const [caseSensitive, setCaseSensitive] = useState(false)
  const [wholeWord, setWholeWord] = useState(false)
  const [regex, setRegex] = useState(false)
  const [results, setResults] = useState<{ index: number; count: number } | null>(null)
  const input = useRef<HTMLInputElement>(null)

  useEffect(() => {
    input.current?.focus()
    input.current?.select()
    const sub = search.onDidChangeResults(({ resultIndex, resultCount }) => setResults({ index: resultIndex, count: resultCount }))
    return () => {
      sub.dispose()
      search.clearDecorations()
    }
  }, [search])

  const options = (incremental: boolean): ISearchOptions => ({ caseSensitive, wholeWord, regex, incremental, decorations: decorations() })

  // Search as you type (and when an option changes).
  useEffect(() => {
    if (!query) {
      search.clearDecorations()
      setResults(null)
      return
    }
    try {
      search.findNext(query, options(true))
    } catch {
      setResults({ index: -1, count: 0 }) // an incomplete regex
    }
    // `options` is rebuilt from exactly these.
  }, [query, caseSensitive, wholeWord, regex, search])

  const next = (): void => {
    if (query) search.findNext(query, options(false))
  }
  const previous = (): void => {
    if (query) search.findPrevious(query, options(false))
  }

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const key = event.key.toLowerCase()
    if (event.key === 'Escape') onClose()
    else if (event.key === 'Enter' && event.shiftKey) previous()
    else if (event.key === 'Enter') next()
    else if (event.key === 'F3') (event.shiftKey ? previous : next)()
    else if (event.altKey && key === 'c') setCaseSensitive((v) => !v)
    else if (event.altKey && key === 'w') setWholeWord((v) => !v)
    else if (event.altKey && key === 'r') setRegex((v) => !v)
    else return
    event.preventDefault()
    event.stopPropagation()
  }

  const count = !query || !results ? '' : results.count === 0 ? 'No results' : results.index < 0 ? `${results.count}+ matches` : `${results.index + 1} of ${results.count}`

  return (
    <div className="find-bar" role="search" aria-label="Find in terminal" onKeyDown={onKeyDown}>
      <input
        ref={input}
        type="text"
        value={query}
        placeholder="Find"
        aria-label="Find in terminal"
        spellCheck={false}
        onChange={(e) => setQuery(e.target.value)}
        className={query && results?.count === 0 ? 'no-match' : undefined}
      />
      <div className="find-toggles">
        <button type="button" className="find-toggle" aria-pressed={caseSensitive} title="Match case (Alt+C)" onClick={() => setCaseSensitive((v) => !v)}>Aa</button>
        <button type="button" className="find-toggle" aria-pressed={wholeWord} title="Match whole word (Alt+W)" onClick={() => setWholeWord((v) => !v)}><u>ab</u></button>
        <button type="button" className="find-toggle" aria-pressed={regex} title="Use regular expression (Alt+R)" onClick={() => setRegex((v) => !v)}>.*</button>
      </div>
      <span className="find-count" aria-live="polite">{count}</span>
      <button type="button" className="find-button" title="Previous match (Shift+Enter)" aria-label="Previous match" onClick={previous} disabled={!query}>↑</button>
      <button type="button" className="find-button" title="Next match (Enter)" aria-label="Next match" onClick={next} disabled={!query}>↓</button>
      <button type="button" className="find-button" title="Close (Escape)" aria-label="Close find" onClick={onClose}>×</button>
    </div>
  )
}
