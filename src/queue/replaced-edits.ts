/**
 * Which of the rows a delivery replaced without the stale-write guard held an edit of their own. A
 * row carries a version no delivery wrote (the mark of a write made around the plugin, sql/002) also
 * when nothing of it is lost: a pull took the edit into Payload and recorded its save as delivered
 * without writing it, a plain `writeMode: 'upsert'` wrote it, a migration changed a column the mapper
 * does not write. A conflict is a row whose mapped columns differ both from what the plugin last
 * delivered for its document (the fingerprint it keeps) and from what it writes now — or a row where
 * the plugin delivered none. Pure.
 */
import { fingerprint, noRow } from '../mapping/fingerprint.js'
import type { Row } from '../mapping/types.js'
import { fieldValue, fieldsToWrite } from '../reconcile/diff.js'

/** One row a delivery replaced that held what the plugin had not delivered: what it held, what replaced it. */
export interface ReplacedEdit {
  id: string
  /** The differing columns (`column.key` inside a JSON column); `(row)` for a row deleted whole. */
  fields: Array<{ field: string; supabase: unknown; payload: unknown }>
}

export interface ReplacedRows {
  /** The ids the forced write replaced or deleted. */
  ids: readonly string[]
  /** What the delivery wrote for each id: its row, or null (deleted). */
  written: ReadonlyMap<string, Row | null>
  /** Supabase's rows of those ids, read before the forced write. */
  held: ReadonlyMap<string, Row>
  /** The fingerprint last delivered per id (absent: none was). */
  delivered: ReadonlyMap<string, string>
  /** Bookkeeping columns (the version, updatedAt): never an edit. */
  ignore: readonly string[]
  /** The columns the mapper writes, for a deleted row (none written to take them from). */
  columns?: readonly string[]
}

export function replacedEdits(input: ReplacedRows): ReplacedEdit[] {
  const edits: ReplacedEdit[] = []
  for (const id of input.ids) {
    const have = input.held.get(id)
    // Gone before the forced write (or never read): nothing of it was replaced.
    if (!have) continue
    const row = input.written.get(id) ?? null
    const last = input.delivered.get(id)
    const columns = row ? Object.keys(row) : (input.columns ?? Object.keys(have))
    if (
      last !== undefined &&
      last !== noRow &&
      fingerprint(pick(have, columns), input.ignore) === last
    )
      continue
    if (row === null) {
      edits.push({ id, fields: [{ field: '(row)', supabase: 'a row', payload: null }] })
      continue
    }
    const fields = fieldsToWrite(row, have, input.ignore)
    if (!fields.length) continue
    edits.push({
      id,
      fields: fields.map((field) => ({
        field,
        supabase: fieldValue(have, field),
        payload: fieldValue(row, field),
      })),
    })
  }
  return edits
}

/** The row with only these columns: what the plugin's fingerprint of it covers. */
function pick(row: Row, columns: readonly string[]): Row {
  const out: Row = {}
  for (const column of columns) if (column in row) out[column] = row[column]
  return out
}
