/**
 * Where a collection's fields point to another collection: the paths of its `relationship` and
 * `upload` fields (in groups, tabs, rows, collapsibles, arrays and blocks), as Payload's `where`
 * names them. Pure: it reads the collection's config only.
 *
 * Why: deleting a referenced document changes the documents that point to it without their hooks —
 * PostgreSQL clears the reference (`on delete set null` on a field's column, `on delete cascade` on the
 * `_rels` table) — so the plugin must find them before the delete (references.ts).
 */
import type { Field } from 'payload'

export interface ReferencePath {
  path: string
  /** `relationTo` is a list: the value is `{ relationTo, value }`, queried at `path.value`. */
  polymorphic: boolean
}

type AnyField = Field & {
  type: string
  name?: string
  relationTo?: string | string[]
  fields?: Field[]
  tabs?: Array<{ name?: string; fields: Field[] }>
  blocks?: Array<{ fields: Field[] }>
  /** Blocks defined once in the config's `blocks` and named here by slug (or given inline). */
  blockReferences?: Array<string | { slug: string; fields: Field[] }>
}

/** The config's own `blocks`, which a blocks field's `blockReferences` name by slug. */
export type ConfigBlocks = ReadonlyArray<{ slug: string; fields: Field[] }>

/** The paths of the fields of `fields` that can point to a document of `target`. */
export function referencePaths(
  fields: readonly Field[],
  target: string,
  configBlocks: ConfigBlocks = [],
  prefix = '',
): ReferencePath[] {
  const inner = (of: readonly Field[], at: string) => referencePaths(of, target, configBlocks, at)
  const paths: ReferencePath[] = []
  for (const field of fields as readonly AnyField[]) {
    const named = field.name ? `${prefix}${field.name}` : undefined
    switch (field.type) {
      case 'relationship':
      case 'upload': {
        const to = field.relationTo
        const polymorphic = Array.isArray(to)
        if (named && (polymorphic ? to.includes(target) : to === target))
          paths.push({ path: named, polymorphic })
        break
      }
      case 'group':
      case 'array':
      case 'row':
      case 'collapsible':
        paths.push(...inner(field.fields ?? [], named ? `${named}.` : prefix))
        break
      case 'tabs':
        for (const tab of field.tabs ?? [])
          paths.push(...inner(tab.fields, tab.name ? `${prefix}${tab.name}.` : prefix))
        break
      case 'blocks':
        // Payload queries a blocks field's fields by the field's name, across its blocks.
        for (const block of [
          ...(field.blocks ?? []),
          ...(field.blockReferences ?? []).flatMap((ref) =>
            typeof ref === 'string' ? configBlocks.filter((b) => b.slug === ref) : [ref],
          ),
        ])
          if (named) paths.push(...inner(block.fields, `${named}.`))
        break
    }
  }
  // One path once (two blocks may have the same field).
  return paths.filter((p, i) => paths.findIndex((q) => q.path === p.path) === i)
}
