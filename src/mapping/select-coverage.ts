/**
 * Whether a mapper's `select` covers what its `toRow` and the collection's `shouldSync` read. Payload
 * strips every field a select leaves out, so a field read outside it is always undefined: a
 * `shouldSync: (d) => d.active === true` then refuses every document (every row deleted, and validate
 * calls it in sync), a mapper spread from the dealers' one with a column of its own writes null there
 * for ever. Found by running the functions over a document that records what they read. Pure.
 */
import type { Doc } from './types.js'

export type SelectShape = Record<string, unknown>

/** Properties that are not fields: read by runtimes, test matchers and `await`, not by a mapping. */
const notFields = new Set([
  'then',
  'toJSON',
  '$$typeof',
  ...Object.getOwnPropertyNames(Object.prototype),
])

/** Said for a function that lists or spreads the document: it reads whatever the read brings. */
export const everyField = '(every field: it spreads or lists the document)'

/**
 * The fields (dotted paths) that `readers` read from `sample` outside `select`. Reads below a field the
 * select takes whole are not followed; a reader that throws has read what it read until then.
 */
export function readsOutside(
  select: SelectShape,
  readers: ReadonlyArray<(doc: Doc) => unknown>,
  sample: Doc,
  /** Follow reads into groups selected in part; not for documents of every locale (`title.en`). */
  options: { nested?: boolean } = {},
): string[] {
  // An exclusion select (`{ body: false }`) returns every field it does not name: nothing to check.
  if (Object.values(select).some((v) => v === false)) return []
  const nested = options.nested ?? true
  const outside = new Set<string>()
  const watch = <T extends object>(value: T, covered: SelectShape, path: string): T =>
    new Proxy(value, {
      get(target, key, receiver) {
        const found: unknown = Reflect.get(target, key, receiver)
        if (typeof key === 'symbol' || notFields.has(key)) return found
        if (!path && key === 'id') return found
        const taken = covered[key]
        if (taken === true) return found
        if (typeof taken === 'object' && taken !== null) {
          return nested && isRecord(found)
            ? watch(found, taken as SelectShape, `${path}${key}.`)
            : found
        }
        outside.add(path + key)
        return found
      },
      has(target, key) {
        if (typeof key === 'string' && covered[key] === undefined && !(!path && key === 'id'))
          outside.add(path + key)
        return Reflect.has(target, key)
      },
      ownKeys(target) {
        outside.add(path ? `${path.slice(0, -1)} ${everyField}` : everyField)
        return Reflect.ownKeys(target)
      },
    })
  for (const read of readers) {
    try {
      read(watch(structuredClone(sample), select, ''))
    } catch {
      // Reading a field the stub lacks may throw (`doc.group.x`); what it read before counts.
    }
  }
  return [...outside].sort()
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
