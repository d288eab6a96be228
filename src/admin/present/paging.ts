/**
 * Long lists in bounded pieces: a page of a list for the screen, chunks of ids for a request. Pure.
 */

/** A page of a long list: never more than `size` items rendered, whatever the list's length. */
export interface Page<T> {
  items: T[]
  /** 1-based, clamped to the pages there are. */
  page: number
  pages: number
  total: number
  /** 1-based positions of the first and last item shown (0 and 0 when empty). */
  from: number
  to: number
}

export function pageOf<T>(list: readonly T[], page: number, size: number): Page<T> {
  const pages = Math.max(1, Math.ceil(list.length / size))
  const current = Math.min(Math.max(1, Math.floor(page) || 1), pages)
  const start = (current - 1) * size
  const items = list.slice(start, start + size)
  return {
    items,
    page: current,
    pages,
    total: list.length,
    from: items.length ? start + 1 : 0,
    to: start + items.length,
  }
}

/** At most `max` ids per request (the documents endpoint takes up to 150). */
export function chunks<T>(list: readonly T[], max: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += max) out.push(list.slice(i, i + max))
  return out
}
