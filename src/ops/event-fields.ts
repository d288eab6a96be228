/**
 * The fields a Sync event is shown to a user by (its action, collection and ids), also when a read's
 * `select` left them out (`?select[summary]=true`, a GraphQL query of the summary only): without
 * them the event named no document, and its summary and details — quoting a document's values —
 * went out as stored, whatever the user may read. Read for the events of a page in one query.
 */
import type { Payload } from 'payload'

type Stored = Record<string, unknown>

/** What the view of an event is judged by. */
const judgedBy = ['action', 'collectionSlug', 'ids'] as const

/** Shown only after the judgement: what can quote a document's values. */
const shown = ['summary', 'details'] as const

/**
 * The events with their judged fields as stored, where the read left one out and kept something
 * shown. Each is a copy; the others are the events themselves.
 */
export async function withJudgedFields(
  payload: Payload,
  slug: string,
  events: readonly Stored[],
): Promise<Stored[]> {
  const lacking = events.filter(
    (e) => shown.some((key) => key in e) && judgedBy.some((key) => !(key in e)),
  )
  if (!lacking.length) return [...events]
  // Without a request: as the plugin reads its own trail (no user, so no afterRead judgement again).
  const { docs } = await payload.find({
    collection: slug,
    where: { id: { in: lacking.map((e) => e.id) } },
    select: Object.fromEntries(judgedBy.map((key) => [key, true])),
    depth: 0,
    limit: lacking.length,
    pagination: false,
    overrideAccess: true,
  } as Parameters<Payload['find']>[0])
  const byId = new Map(docs.map((doc) => [String(doc.id), doc as Stored]))
  return events.map((e) => {
    if (!lacking.includes(e)) return e
    const found = byId.get(String(e.id))
    return { ...Object.fromEntries(judgedBy.map((key) => [key, found?.[key]])), ...e }
  })
}
