/**
 * What the client asked the answer to look like: the media type from the Accept header
 * (PostgREST's MediaType.hs) and the Prefer header (ApiRequest/Preferences.hs).
 */
import { ApiError } from './errors.js'

export const JSON_TYPE = 'application/json; charset=utf-8'

/** What the SQL needs to know about the body: one object instead of an array, null fields left out. */
export interface BodyMedia {
  singular?: boolean
  stripNulls?: boolean
}

/** What the response body looks like, from the Accept header. */
export interface Media extends BodyMedia {
  contentType: string
}

/**
 * Picks the first media type of the Accept header the stand-in can produce: JSON arrays, a single
 * object (`application/vnd.pgrst.object+json`, which supabase-js' .single() sends), either without
 * null fields (`;nulls=stripped`). Anything else is PostgREST's 406 PGRST107.
 */
export function negotiateMedia(accept: string | undefined): Media {
  if (!accept || accept.trim() === '') return { contentType: JSON_TYPE }
  const offered = accept
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const entry of offered) {
    const [type, ...params] = entry.split(';').map((p) => p.trim().toLowerCase())
    const stripNulls = params.includes('nulls=stripped')
    if (type === '*/*' || type === 'application/*' || type === 'application/json')
      return { contentType: JSON_TYPE }
    if (type === 'application/vnd.pgrst.array+json' || type === 'application/vnd.pgrst.array') {
      return stripNulls
        ? {
            contentType: 'application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8',
            stripNulls,
          }
        : { contentType: JSON_TYPE }
    }
    if (type === 'application/vnd.pgrst.object+json' || type === 'application/vnd.pgrst.object') {
      const mime = `application/vnd.pgrst.object+json${stripNulls ? ';nulls=stripped' : ''}`
      return { contentType: `${mime}; charset=utf-8`, singular: true, stripNulls }
    }
  }
  throw new ApiError(
    406,
    'PGRST107',
    `None of these media types are available: ${offered.map((o) => o.split(';')[0].trim()).join(', ')}`,
  )
}

export interface Preferences {
  return?: 'minimal' | 'representation' | 'headers-only'
  resolution?: 'merge-duplicates' | 'ignore-duplicates'
  count?: 'exact' | 'planned' | 'estimated'
  missing?: 'default' | 'null'
}

/** Reads every Prefer header (several headers, or one with comma-separated values); unknown ones are ignored. */
export function parsePrefer(header: string | string[] | undefined): Preferences {
  const prefs: Preferences = {}
  const raw = Array.isArray(header) ? header.join(',') : (header ?? '')
  for (const part of raw.split(',')) {
    const [key, ...rest] = part.trim().split('=')
    const value = rest.join('=').trim()
    switch (key?.trim()) {
      case 'return':
        if (value === 'minimal' || value === 'representation' || value === 'headers-only')
          prefs.return = value
        break
      case 'resolution':
        if (value === 'merge-duplicates' || value === 'ignore-duplicates') prefs.resolution = value
        break
      case 'count':
        if (value === 'exact' || value === 'planned' || value === 'estimated') prefs.count = value
        break
      case 'missing':
        if (value === 'default' || value === 'null') prefs.missing = value
        break
    }
  }
  return prefs
}

/** The Preference-Applied header, in PostgREST's order (prefAppliedHeader). */
export function preferenceApplied(prefs: Preferences): string | undefined {
  const parts: string[] = []
  if (prefs.resolution) parts.push(`resolution=${prefs.resolution}`)
  if (prefs.missing) parts.push(`missing=${prefs.missing}`)
  if (prefs.return) parts.push(`return=${prefs.return}`)
  if (prefs.count) parts.push(`count=${prefs.count}`)
  return parts.length ? parts.join(', ') : undefined
}

/** Adds Preference-Applied to a response's headers when any preference was applied. */
export function withPreferences(
  headers: Record<string, string>,
  prefs: Preferences,
): Record<string, string> {
  const applied = preferenceApplied(prefs)
  return applied ? { ...headers, 'Preference-Applied': applied } : headers
}
