/**
 * A fault that applies to the next `remaining` requests (on `path`, with `method`, if given): taken
 * by the first request that matches, in arrival order, and gone once used up.
 */
export interface Rule<T> {
  remaining: number
  path?: string
  method?: string
  options: T
}

/** Normalises `/rest/v1/dealers`, `dealers`, `/dealers` to `dealers`. */
export function normalisePath(path: string | undefined): string | undefined {
  return path?.replace(/^\/+/, '').replace(/^rest\/v1\//, '')
}

/** The first rule this request falls under, used once. */
export function take<T>(rules: Rule<T>[], resource: string, method = ''): Rule<T> | undefined {
  const rule = rules.find(
    (r) =>
      r.remaining > 0 &&
      (r.path === undefined || r.path === resource) &&
      (r.method === undefined || r.method === method),
  )
  if (!rule) return undefined
  rule.remaining--
  if (rule.remaining === 0) rules.splice(rules.indexOf(rule), 1)
  return rule
}
