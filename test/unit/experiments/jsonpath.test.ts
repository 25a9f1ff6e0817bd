// The JSONPath subset used by jsonpath tolerances: what it matches, in which order, and how it
// refuses what it does not support.
import { describe, expect, it } from 'vitest'
import { JsonPathError, parseJsonPath, queryJsonPath } from '../../../electron/core/experiments'

const doc = {
  status: 'ok',
  version: 3,
  service: { name: 'orders', port: 8080, 'x-odd key': true },
  checks: [
    { name: 'db', status: 'ok', latency: { ms: 12 } },
    { name: 'disk', status: 'failing', latency: { ms: 40 } },
    { name: 'cache', status: 'ok' },
  ],
  nested: { deeper: { status: 'inner' } },
  empty: [],
  nothing: null,
}

describe('queryJsonPath', () => {
  it.each([
    ['$', [doc]],
    ['$.status', ['ok']],
    ['$.service.port', [8080]],
    ["$['service']['x-odd key']", [true]],
    ['$["service"].name', ['orders']],
    ['$.checks[0].name', ['db']],
    ['$.checks[-1].name', ['cache']],
    ['$.checks[*].status', ['ok', 'failing', 'ok']],
    ['$.checks.*.name', ['db', 'disk', 'cache']],
    ['$.service.*', ['orders', 8080, true]],
    ['$..ms', [12, 40]],
    ['$..status', ['ok', 'ok', 'failing', 'ok', 'inner']],
    ['$.checks..ms', [12, 40]],
    ['$..checks[1].name', ['disk']],
    ['$.nothing', [null]],
  ])('%s', (path, expected) => {
    expect(queryJsonPath(doc, path)).toEqual(expected)
  })

  it.each(['$.missing', '$.checks[3]', '$.checks[-4]', '$.status.length', '$.empty[*]', '$.empty[0]', '$.version[0]', '$.nothing.x', '$..nope'])('%s matches nothing', (path) => {
    expect(queryJsonPath(doc, path)).toEqual([])
  })

  it('works on arrays and scalars at the root', () => {
    expect(queryJsonPath([1, 2, 3], '$[1]')).toEqual([2])
    expect(queryJsonPath([{ a: 1 }, { a: 2 }], '$[*].a')).toEqual([1, 2])
    expect(queryJsonPath('plain', '$')).toEqual(['plain'])
    expect(queryJsonPath('plain', '$.a')).toEqual([])
  })

  it('does not treat inherited properties as members', () => {
    expect(queryJsonPath({}, '$.constructor')).toEqual([])
    expect(queryJsonPath({}, '$.toString')).toEqual([])
  })
})

describe('parseJsonPath refuses what it does not support, saying why', () => {
  it.each([
    ['status', /must start with \$/],
    ['$.checks[?(@.status == "ok")]', /filter and script expressions .* not supported/],
    ['$.checks[0:2]', /slices .* not supported/],
    ['$.checks[0,1]', /unions .* not supported/],
    ["$['a','b']", /unions .* not supported/],
    ['$.checks[', /expected \*, a number or a quoted name/],
    ['$.checks[0', /expected \]/],
    ["$['open", /quoted member name is not closed/],
    ['$.', /expected a member name/],
    ['$ status', /unexpected " "/],
  ])('%s', (path, reason) => {
    expect(() => parseJsonPath(path)).toThrow(JsonPathError)
    expect(() => parseJsonPath(path)).toThrow(reason)
  })

  it('parses into segments', () => {
    expect(parseJsonPath('$.a[0]..b[*]')).toEqual([
      { kind: 'member', name: 'a' },
      { kind: 'index', index: 0 },
      { kind: 'descendants', selector: { kind: 'member', name: 'b' } },
      { kind: 'wildcard' },
    ])
  })
})
