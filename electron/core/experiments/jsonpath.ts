// The small JSONPath subset that Chaos Toolkit experiments use in `jsonpath` tolerances:
//   $            the whole document
//   .name        a member (also ['name'] / ["name"] for names with odd characters)
//   [0], [-1]    an array element (negative counts from the end)
//   .* / [*]     every member or element
//   ..name       `name` anywhere below (also ..* and ..[0])
// Filters ([?(...)]), slices ([1:3]) and unions ([0,1]) are refused with a clear message
// rather than half-supported. Matches come back in document order.

export type JsonPathSelector =
  | { kind: 'member'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }

export type JsonPathSegment = JsonPathSelector | { kind: 'descendants'; selector: JsonPathSelector }

export class JsonPathError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`JSONPath ${path} is not supported: ${reason}`)
    this.name = 'JsonPathError'
  }
}

export const JSONPATH_SUPPORTED = '$, .name, [\'name\'], [0], [-1], .*, [*] and ..name'

const NAME_CHAR = /[A-Za-z0-9_$\-\u0080-\uFFFF]/

/** Parses `path`; throws JsonPathError (with what is supported) for anything outside the subset. */
export function parseJsonPath(path: string): JsonPathSegment[] {
  const text = path.trim()
  const fail = (reason: string): never => {
    throw new JsonPathError(path, reason)
  }
  if (!text.startsWith('$')) fail('it must start with $ (the whole document), e.g. $.status')
  const segments: JsonPathSegment[] = []
  let i = 1

  const readName = (): string => {
    const start = i
    while (i < text.length && NAME_CHAR.test(text[i]!)) i++
    if (i === start) fail(`expected a member name at position ${start + 1}`)
    return text.slice(start, i)
  }

  const readBracket = (): JsonPathSelector => {
    // text[i] === '['
    i++
    const close = (): void => {
      if (text[i] !== ']') fail(`expected ] at position ${i + 1}`)
      i++
    }
    const ch = text[i]
    if (ch === '*') {
      i++
      close()
      return { kind: 'wildcard' }
    }
    if (ch === "'" || ch === '"') {
      const quote = ch
      i++
      let name = ''
      while (i < text.length && text[i] !== quote) {
        if (text[i] === '\\' && i + 1 < text.length) i++
        name += text[i]
        i++
      }
      if (i >= text.length) fail('a quoted member name is not closed')
      i++
      if (text[i] === ',') fail(`unions such as ['a','b'] are not supported (supported: ${JSONPATH_SUPPORTED})`)
      close()
      return { kind: 'member', name }
    }
    if (ch === '?' || ch === '(') fail(`filter and script expressions such as [?(@.x)] are not supported (supported: ${JSONPATH_SUPPORTED})`)
    const match = /^-?\d+/.exec(text.slice(i))
    if (!match) fail(`expected *, a number or a quoted name inside [ ] at position ${i + 1}`)
    i += match![0].length
    if (text[i] === ':') fail(`slices such as [0:2] are not supported (supported: ${JSONPATH_SUPPORTED})`)
    if (text[i] === ',') fail(`unions such as [0,1] are not supported (supported: ${JSONPATH_SUPPORTED})`)
    close()
    return { kind: 'index', index: Number(match![0]) }
  }

  const readSelectorAfterDot = (): JsonPathSelector => {
    if (text[i] === '*') {
      i++
      return { kind: 'wildcard' }
    }
    if (text[i] === '[') return readBracket()
    return { kind: 'member', name: readName() }
  }

  while (i < text.length) {
    const ch = text[i]
    if (ch === '.' && text[i + 1] === '.') {
      i += 2
      segments.push({ kind: 'descendants', selector: readSelectorAfterDot() })
    } else if (ch === '.') {
      i++
      if (text[i] === '[') fail(`unexpected [ after . at position ${i + 1}; write $.a[0] or $['a']`)
      segments.push(readSelectorAfterDot())
    } else if (ch === '[') {
      segments.push(readBracket())
    } else {
      fail(`unexpected "${ch}" at position ${i + 1}`)
    }
  }
  return segments
}

/** Every value `path` matches in `document`, in document order (empty when nothing matches). */
export function queryJsonPath(document: unknown, path: string | JsonPathSegment[]): unknown[] {
  const segments = typeof path === 'string' ? parseJsonPath(path) : path
  let nodes: unknown[] = [document]
  for (const segment of segments) {
    const next: unknown[] = []
    for (const node of nodes) {
      if (segment.kind === 'descendants') {
        for (const inner of selfAndDescendants(node)) next.push(...select(inner, segment.selector))
      } else {
        next.push(...select(node, segment))
      }
    }
    nodes = next
  }
  return nodes
}

function select(node: unknown, selector: JsonPathSelector): unknown[] {
  switch (selector.kind) {
    case 'member':
      if (isPlainObject(node) && Object.hasOwn(node, selector.name)) return [node[selector.name]]
      return []
    case 'index': {
      if (!Array.isArray(node)) return []
      const index = selector.index < 0 ? node.length + selector.index : selector.index
      return index >= 0 && index < node.length ? [node[index]] : []
    }
    case 'wildcard':
      if (Array.isArray(node)) return [...node]
      if (isPlainObject(node)) return Object.values(node)
      return []
  }
}

/** Pre-order: the node, then each child's subtree in turn. */
function selfAndDescendants(node: unknown): unknown[] {
  const out: unknown[] = []
  const visit = (value: unknown): void => {
    out.push(value)
    if (Array.isArray(value)) value.forEach(visit)
    else if (isPlainObject(value)) Object.values(value).forEach(visit)
  }
  visit(node)
  return out
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
