/** The titles (`admin.useAsTitle`) of documents, for the console's lists. */
import type { Payload } from 'payload'

/** The titles (`admin.useAsTitle`) of documents, by id; ids without a document are left out. */
export async function loadTitles(
  payload: Payload,
  collection: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const titles = new Map<string, string>()
  if (!ids.length) return titles
  const config = payload.collections[collection]?.config
  const field = config?.admin?.useAsTitle ?? 'id'
  try {
    const { docs } = await payload.find({
      collection,
      where: { id: { in: [...ids] } },
      limit: ids.length,
      pagination: false,
      depth: 0,
      overrideAccess: true,
      trash: true,
      select: { [field]: true } as never,
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
