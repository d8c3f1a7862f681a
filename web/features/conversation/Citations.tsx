import { useState, type ReactNode } from 'react'
import { useModal } from '../../ui/use-modal.ts'
import type { MessageSource } from '../../session/conversation-state.ts'

/** [1], [2, 3], [1][4]: how answers cite passages (the model is asked for this form). */
const CITATION = /\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]/g

/**
 * An answer's text with its citations as buttons that open the passage; a number the answer was
 * not given stays plain text (a model can write [7] on its own).
 */
export function CitedText({ text, sources, onOpen }: { text: string; sources: readonly MessageSource[] | undefined; onOpen(source: MessageSource): void }) {
  if (!sources?.length) return <>{text}</>
  const out: ReactNode[] = []
  let last = 0
  for (const match of text.matchAll(CITATION)) {
    const numbers = match[1]!.split(',').map((n) => Number(n.trim()))
    const cited = numbers.map((n) => sources.find((s) => s.n === n))
    if (cited.some((s) => !s)) continue
    out.push(text.slice(last, match.index))
    for (const s of cited as MessageSource[]) {
      out.push(
        <button key={`${match.index}-${s.n}`} type="button" className="citation" data-testid="citation" onClick={() => onOpen(s)} title={s.label} aria-label={`Source ${s.n}: ${s.label}`}>
          {s.n}
        </button>,
      )
    }
    last = match.index + match[0].length
  }
  out.push(text.slice(last))
  return <>{out}</>
}

/** The passages an answer was given, under it: the ones it cited first. */
export function SourceList({ text, sources, onOpen }: { text: string; sources: readonly MessageSource[]; onOpen(source: MessageSource): void }) {
  const cited = new Set([...text.matchAll(CITATION)].flatMap((m) => m[1]!.split(',').map((n) => Number(n.trim()))))
  const used = sources.filter((s) => cited.has(s.n))
  const shown = used.length ? used : sources
  return (
    <details className="sources" data-testid="sources">
      <summary>
        {used.length ? `Sources (${used.length})` : `Looked in your documents (${sources.length} passage${sources.length === 1 ? '' : 's'})`}
      </summary>
      <ol>
        {shown.map((s) => (
          <li key={s.n}>
            <button type="button" className="link-button" onClick={() => onOpen(s)}>
              [{s.n}] {s.label}
            </button>
          </li>
        ))}
      </ol>
    </details>
  )
}

/** One passage, opened from a citation: where it is from and its words. Esc, the button or a click outside closes it. */
export function PassageDialog({ source, onClose }: { source: MessageSource | null; onClose(): void }) {
  const ref = useModal(Boolean(source))
  return (
    <dialog ref={ref} className="passage" data-testid="passage" aria-labelledby="passage-title" onClose={onClose} onClick={(e) => e.target === ref.current && onClose()}>
      {source && (
        <div className="passage__body">
          <h2 id="passage-title">
            [{source.n}] {source.label}
          </h2>
          <blockquote>{source.text}</blockquote>
          <button type="button" className="ghost-button" onClick={onClose} autoFocus>
            Close
          </button>
        </div>
      )}
    </dialog>
  )
}

/** The passage open now, for a transcript. */
export function useOpenPassage() {
  return useState<MessageSource | null>(null)
}
