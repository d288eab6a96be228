import type { z } from 'zod'

/**
 * The issue to name for a value no branch of a union took: the one that got furthest into the value
 * (`realtime.onExternalChange` must be one of …, not `realtime` Invalid input), a wrong value before a
 * wrong type.
 */
export function deepest(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || !issue.errors.length) return issue
  let best: z.core.$ZodIssue | undefined
  for (const branch of issue.errors)
    for (const inner of branch) {
      const found = deepest({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue)
      // A key no branch knows is the likeliest mistake (a typo): it is named with a suggestion.
      if (best?.code === 'unrecognized_keys' && found.code !== 'unrecognized_keys') continue
      if (
        !best ||
        (found.code === 'unrecognized_keys' && best.code !== 'unrecognized_keys') ||
        found.path.length > best.path.length ||
        (found.path.length === best.path.length &&
          best.code === 'invalid_type' &&
          found.code !== 'invalid_type')
      )
        best = found
    }
  return best ?? issue
}
