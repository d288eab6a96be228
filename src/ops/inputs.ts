/**
 * The parameters of the endpoints, checked before anything uses them: the collection must be a synced
 * one, ids must be ids of that collection (uuid, number, or text without `"` and `,`, which would
 * change the meaning of a PostgREST filter), flags must be booleans, and nothing else may be sent.
 * A refusal is an InputError naming the parameter.
 */
import { z } from 'zod'
import { InputError } from '../errors.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import { idKind, type IdKind } from './id-kind.js'
import { maxIdsPerRequest } from './id-limits.js'

export interface Input {
  collection: string
  ids?: string[]
  flags: Record<string, unknown>
}

function idSchema(kind: IdKind): z.ZodType<string> {
  // Any 8-4-4-4-12 hex, as PostgreSQL's uuid takes it (zod's uuid() refuses ids outside RFC 9562's
  // versions, e.g. md5(…)::uuid); lower case, as PostgreSQL writes it and Payload returns it.
  if (kind === 'uuid')
    return z.guid({ error: 'must be a uuid' }).transform((id) => id.toLowerCase())
  if (kind === 'number') return z.string().regex(/^\d{1,18}$/, { error: 'must be a whole number' })
  return z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^",]+$/, { error: 'must not contain " or ,' })
}

function fail(error: z.ZodError): never {
  const issue = error.issues[0]
  const path = issue.path.map(String).join('.') || '(body)'
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown parameter "${issue.keys[0]}"`
      : `parameter "${path}" ${issue.message}`
  throw new InputError(
    `Bad Request: ${message}`,
    issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : path,
  )
}

/** From a GET's query string (`collection`, `id` repeated) or a POST's JSON body (`collection`, `ids` or `id`, flags). */
export function parseInput(
  runtime: SyncRuntime,
  query: URLSearchParams | undefined,
  body: unknown,
  flags: z.ZodRawShape,
): Input {
  const slugs = [...runtime.collections.keys()] as [string, ...string[]]
  const raw: unknown = query
    ? Object.fromEntries(
        [...new Set(query.keys())].map((key) => [
          key,
          key === 'id' ? query.getAll('id') : query.get(key),
        ]),
      )
    : body
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InputError('Bad Request: the body must be a JSON object', '(body)')
  const shape = z.strictObject({
    collection: z
      .enum(slugs, { error: `must be a synced collection (${slugs.join(', ')})` })
      .optional(),
    ids: z
      .array(z.string({ error: 'must be a string' }))
      .max(maxIdsPerRequest)
      .optional(),
    id: z
      .union([
        z.string({ error: 'must be a string' }),
        z.array(z.string({ error: 'must be a string' })),
      ])
      .optional(),
    ...flags,
  })
  const parsed = shape.safeParse(raw)
  if (!parsed.success) fail(parsed.error)
  const {
    collection = 'dealers',
    ids,
    id,
    ...rest
  } = parsed.data as { collection?: string; ids?: string[]; id?: string | string[] } & Record<
    string,
    unknown
  >
  if (!runtime.collections.has(collection))
    throw new InputError(
      `Bad Request: parameter "collection" must be a synced collection (${slugs.join(', ')})`,
      'collection',
    )
  const given = ids ?? (id === undefined ? undefined : Array.isArray(id) ? id : [id])
  if (!given) return { collection, flags: rest }
  const checked = z.array(idSchema(idKind(runtime.payload, collection))).safeParse(given)
  if (!checked.success)
    fail(
      new z.ZodError(
        checked.error.issues.map((i) => ({ ...i, path: [ids ? 'ids' : 'id', ...i.path] })),
      ),
    )
  return { collection, ids: checked.data, flags: rest }
}
