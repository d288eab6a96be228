/**
 * Links to a document in the admin, from ids that may be any text (a text id may hold `/ ? # %` or be
 * `..`): each part encoded, so that a link always leads to that document of that collection. Pure.
 */
import { formatAdminURL } from 'payload/shared'

/**
 * The document's edit view under the admin route. `.` and `..` cannot be a path segment at all (a
 * browser resolves them, also encoded as `%2E`): such an id links to the collection's list filtered
 * to it.
 */
export function documentPath(collection: string, id: string): `/${string}` {
  const list = `/collections/${encodeURIComponent(collection)}` as const
  if (id === '.' || id === '..')
    return `${list}?${new URLSearchParams({ 'where[id][equals]': id }).toString()}`
  return `${list}/${encodeURIComponent(id)}`
}

/**
 * The link from a client component, which has the admin route from the config but not the server's
 * adminUrlOf: with Next's base path as well (`NEXT_BASE_PATH`, which withPayload sets), as
 * adminUrlOf does on the server.
 */
export function documentHref(adminRoute: string, collection: string, id: string): string {
  return formatAdminURL({
    adminRoute,
    path: documentPath(collection, id),
    relative: true,
    includeBasePath: true,
  })
}
