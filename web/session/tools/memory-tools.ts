import { MAX_NOTE_CHARS, type Notes } from '../notes.ts'
import { brief, refused, schema, type Tool } from './tool.ts'

/** `remember`, `recall` and `forget`: short notes about the user, kept in this browser. */
export function memoryTools(notes: Notes): Tool[] {
  return [
    {
      definition: {
        name: 'remember',
        description: 'Keep a short note about the user for later conversations (a preference, a name, a fact they asked you to remember). Notes stay in their browser.',
        parameters: schema({ note: { type: 'string', maxLength: MAX_NOTE_CHARS } }, ['note']),
      },
      async run({ note }) {
        if (typeof note !== 'string' || !note.trim()) return refused('noted: ?', 'note must be a non-empty string')
        const kept = await notes.add(note)
        return { result: { kept: kept.id }, chip: `noted: ${brief(kept.text)}`, ok: true }
      },
    },
    {
      definition: {
        name: 'recall',
        description: 'Look up the notes you kept about the user; with a query, only notes containing its words.',
        parameters: schema({ query: { type: 'string' } }),
      },
      async run({ query = '' }) {
        if (typeof query !== 'string') return refused('recalled: ?', 'query must be a string')
        const found = notes.find(query)
        return { result: { notes: found.map((n) => ({ id: n.id, note: n.text, noted: new Date(n.at).toISOString() })) }, chip: `recalled ${found.length} note${found.length === 1 ? '' : 's'}`, ok: true }
      },
    },
    {
      definition: {
        name: 'forget',
        description: 'Delete notes about the user: by id (as listed), or every note containing the words of a query.',
        parameters: schema({ id: { type: 'string' }, query: { type: 'string' } }),
      },
      async run({ id, query }) {
        if (id !== undefined && typeof id !== 'string') return refused('forgot: ?', 'id must be a string')
        if (query !== undefined && (typeof query !== 'string' || !query.trim())) return refused('forgot: ?', 'query must be a non-empty string')
        if (id === undefined && query === undefined) return refused('forgot: ?', 'give the id of a note, or a query')
        const ids = id !== undefined ? [id] : notes.find(query as string).map((n) => n.id)
        const gone = await notes.remove(ids)
        return { result: { forgotten: gone.length }, chip: gone.length ? `forgot: ${brief(gone.map((n) => n.text).join('; '))}` : 'forgot nothing', ok: true }
      },
    },
  ]
}
