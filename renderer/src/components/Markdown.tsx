// A small Markdown renderer for lab steps that builds React elements directly: no HTML string
// is ever parsed or injected, so a lab file cannot run script in the app, whatever it contains.
// Supports what lab text needs: headings, paragraphs, lists, quotes, tables, fenced code, and
// inline code, bold, italics and links.
import { Fragment, type ReactNode } from 'react'
import { CodeBlock } from './CodeBlock'

type Block =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'code'; lang: string; code: string }
  | { kind: 'list'; ordered: boolean; items: string[] }
  | { kind: 'quote'; text: string }
  | { kind: 'table'; header: string[]; rows: string[][] }

export function parseBlocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n')
  const blocks: Block[] = []
  let i = 0
  const isBlank = (line: string | undefined): boolean => line === undefined || line.trim() === ''
  while (i < lines.length) {
    const line = lines[i]!
    if (isBlank(line)) {
      i++
      continue
    }
    const fence = /^```\s*([\w+-]*)\s*$/.exec(line)
    if (fence) {
      const code: string[] = []
      i++
      while (i < lines.length && !/^```\s*$/.test(lines[i]!)) code.push(lines[i++]!)
      i++ // closing fence (or end of file)
      blocks.push({ kind: 'code', lang: fence[1] ?? '', code: code.join('\n') })
      continue
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line)
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1]!.length, text: heading[2]! })
      i++
      continue
    }
    if (line.startsWith('>')) {
      const quote: string[] = []
      while (i < lines.length && lines[i]!.startsWith('>')) quote.push(lines[i++]!.replace(/^>\s?/, ''))
      blocks.push({ kind: 'quote', text: quote.join(' ') })
      continue
    }
    if (line.trim().startsWith('|') && i + 1 < lines.length && /^\s*\|?\s*:?-{3,}/.test(lines[i + 1]!)) {
      const cells = (row: string): string[] => row.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim())
      const header = cells(line)
      i += 2
      const rows: string[][] = []
      while (i < lines.length && lines[i]!.trim().startsWith('|')) rows.push(cells(lines[i++]!))
      blocks.push({ kind: 'table', header, rows })
      continue
    }
    const listItem = /^\s*([-*]|\d+[.)])\s+(.*)$/
    const first = listItem.exec(line)
    if (first) {
      const ordered = /\d/.test(first[1]!)
      const items: string[] = []
      while (i < lines.length) {
        const match = listItem.exec(lines[i]!)
        if (match) items.push(match[2]!)
        else if (!isBlank(lines[i]) && /^\s{2,}/.test(lines[i]!) && items.length > 0) items[items.length - 1] += ' ' + lines[i]!.trim()
        else break
        i++
      }
      blocks.push({ kind: 'list', ordered, items })
      continue
    }
    const paragraph: string[] = []
    while (i < lines.length && !isBlank(lines[i]) && !/^(```|#{1,4}\s|>)/.test(lines[i]!) && !listItem.test(lines[i]!)) paragraph.push(lines[i++]!.trim())
    blocks.push({ kind: 'paragraph', text: paragraph.join(' ') })
  }
  return blocks
}

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*)|(\[[^\]]+\]\([^)\s]+\))/g

export function renderInline(text: string): ReactNode[] {
  const out: ReactNode[] = []
  let last = 0
  for (const match of text.matchAll(INLINE)) {
    const index = match.index ?? 0
    if (index > last) out.push(text.slice(last, index))
    const token = match[0]
    const key = `${index}`
    if (token.startsWith('`')) out.push(<code key={key}>{token.slice(1, -1)}</code>)
    else if (token.startsWith('**')) out.push(<strong key={key}>{renderInline(token.slice(2, -2))}</strong>)
    else if (token.startsWith('*')) out.push(<em key={key}>{renderInline(token.slice(1, -1))}</em>)
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token)!
      const href = link[2]!
      // Only web links; anything else (javascript:, file:, data:) is shown as text.
      out.push(/^https?:\/\//.test(href) ? <a key={key} href={href} target="_blank" rel="noreferrer noopener">{link[1]}</a> : <span key={key}>{link[1]}</span>)
    }
    last = index + token.length
  }
  if (last < text.length) out.push(text.slice(last))
  return out
}

export function Markdown({ source }: { source: string }): ReactNode {
  return (
    <div className="markdown">
      {parseBlocks(source).map((block, index) => {
        switch (block.kind) {
          case 'heading': {
            const Tag = (['h3', 'h3', 'h4', 'h5'] as const)[block.level - 1] ?? 'h5'
            return <Tag key={index}>{renderInline(block.text)}</Tag>
          }
          case 'paragraph':
            return <p key={index}>{renderInline(block.text)}</p>
          case 'code':
            return <CodeBlock key={index} code={block.code} lang={block.lang} />
          case 'quote':
            return <blockquote key={index}>{renderInline(block.text)}</blockquote>
          case 'list': {
            const Tag = block.ordered ? 'ol' : 'ul'
            return <Tag key={index}>{block.items.map((item, n) => <li key={n}>{renderInline(item)}</li>)}</Tag>
          }
          case 'table':
            return (
              <table key={index}>
                <thead><tr>{block.header.map((cell, n) => <th key={n}>{renderInline(cell)}</th>)}</tr></thead>
                <tbody>{block.rows.map((row, r) => <tr key={r}>{row.map((cell, n) => <td key={n}>{renderInline(cell)}</td>)}</tr>)}</tbody>
              </table>
            )
          default:
            return <Fragment key={index} />
        }
      })}
    </div>
  )
}
