/**
 * The admin path of a document's edit view, `/collections/{slug}/{id}` (under the admin route). Both
 * parts encoded: ids are text where a collection says so (`/`, `?`, `#`, `%` would otherwise change
 * the path or cut it short, and open another document or none).
 */
export function documentPath(collection: string, id: string): string {
  return `/collections/${encodeURIComponent(collection)}/${encodeURIComponent(id)}`
}
