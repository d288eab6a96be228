/** The titles (`admin.useAsTitle`) of documents, for the console's lists. */
import type { Payload, PayloadRequest } from 'payload'

/**
 * The titles (`admin.useAsTitle`) of documents, by id; ids without a document are left out, and so,
 * with a request, are those of documents its user may not read under the collection's read access (a
 * title is a document's value: the console shows the id instead).
 */
export async function loadTitles(
  payload: Payload,
  collection: string,
  ids: readonly string[],
  req?: PayloadRequest,
): Promise<Map<string, string>> {
  const titles = new Map<string, string>()
  if (!ids.length) return titles
  const config = payload.collections[collection]?.config
  const field = config?.admin?.useAsTitle ?? 'id'
  // As the user when there is one (Payload's own access, a `where` by tenant included); false gives
  // no documents rather than a 403.
  const as = req?.user
    ? { overrideAccess: false, user: req.user, req, disableErrors: true }
    : { overrideAccess: true }
  try {
    const { docs } = await payload.find({
      collection,
      where: { id: { in: [...ids] } },
      limit: ids.length,
      pagination: false,
      depth: 0,
      trash: true,
      select: { [field]: true } as never,
      ...as,
    } as never)
    for (const doc of docs as Array<Record<string, unknown>>) {
      const title = doc[field]
      titles.set(
        String(doc.id),
        typeof title === 'string' && title ? title : String(title ?? doc.id),
      )
    }
  } catch {
    // titles are a nicety: ids are shown instead
  }
  return titles
}
