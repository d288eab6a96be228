import type { z } from 'zod'

/** A row as it travels to Supabase: plain JSON values keyed by column name. */
export type Row = Record<string, unknown>

/** A Payload document as the Local API returns it. */
export type Doc = Record<string, unknown> & { id: string | number }

/**
 * Turns documents of one collection into rows of one Supabase table, and back.
 * `rowSchema` checks every row before it leaves; a row that fails is never sent.
 */
export interface SyncMapper<TDoc extends Doc = Doc, TRow extends Row = Row> {
  /** Checks every row before it is sent; its issues name the column at fault. */
  rowSchema: z.ZodType<TRow>
  /**
   * The row for a document, or null when the document must not be in Supabase (its row is removed).
   * It gets Payload's main document (for a collection with drafts: the published one, never a draft).
   * A throw is a mapping error of that document; give the error a `field` property to name the field.
   */
  toRow(doc: TDoc): TRow | null
  /**
   * The document fields for a row (the manual pull from Supabase). Columns it cannot restore are
   * listed in `readOnlyColumns`. The pull saves them in the default locale (also for a mapper of
   * `locale: 'all'`: give the default locale's values, and list columns of every locale as read-only);
   * the other locales keep theirs. A throw refuses the row (give the error a `field`).
   */
  fromRow?(row: TRow): Partial<TDoc>
  /** Columns that fromRow cannot write back into Payload (e.g. ids and timestamps Payload manages). */
  readOnlyColumns?: readonly string[]
  /** Primary key column in Supabase (default `id`). Payload's document id goes there. */
  primaryKey?: string
  /**
   * The plugin's version column in the table (default `sync_version`, a bigint): every delivery writes
   * its version there, and the stale-write guard never replaces a row with an older delivery. The
   * mapper does not produce it and the diff ignores it. `false` when the table has none (no guard).
   */
  versionColumn?: string | false
  /**
   * The column that carries the document's `updatedAt` (dealers: `updated_at`), if any. `pull` uses it
   * to skip rows older than their documents.
   */
  updatedAtColumn?: string
  /** The Payload id type this mapper expects; checked at startup (`uuid` tables need `idType: 'uuid'`). */
  idType?: 'uuid' | 'text' | 'number'
  /**
   * Localized collections: `default` (the default) gives toRow the document in the default locale
   * (`title: 'Hello'`); `all` gives it every locale, read with `locale: 'all'` (`title: { en: 'Hello', de: 'Hallo' }`).
   */
  locale?: 'default' | 'all'
  /**
   * The fields `toRow` reads, in Payload's `select` format (`{ name: true, homenet_config: true }`):
   * every read for delivery, the reconcile and validate asks Payload for these only, so that large
   * unrelated fields (rich text, uploads, relationships) are not loaded. Absent: every field.
   */
  select?: Record<string, unknown>
}

/** Identity helper that keeps a mapper's document and row types. */
export function defineMapper<TDoc extends Doc, TRow extends Row>(
  mapper: SyncMapper<TDoc, TRow>,
): SyncMapper<TDoc, TRow> {
  return mapper
}
