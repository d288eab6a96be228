/**
 * What a Supabase API key says about itself, without verifying it (only Supabase can): its role, its
 * expiry, its project. Legacy keys are JWTs (`role: service_role | anon`, `ref`, `exp`); newer ones are
 * `sb_secret_…` (service role) and `sb_publishable_…` (anon). Pure.
 */
export interface KeyClaims {
  kind: 'service_role' | 'anon' | 'other' | 'unreadable'
  /** The project ref the key was issued for, when it says. */
  ref?: string
  /** Expiry, ms since epoch, when it says. */
  expiresAt?: number
}

export function readKey(key: string): KeyClaims {
  if (key.startsWith('sb_secret_')) return { kind: 'service_role' }
  if (key.startsWith('sb_publishable_')) return { kind: 'anon' }
  const parts = key.split('.')
  if (parts.length !== 3) return { kind: 'unreadable' }
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as {
      role?: unknown
      ref?: unknown
      exp?: unknown
    }
    const kind =
      claims.role === 'service_role' ? 'service_role' : claims.role === 'anon' ? 'anon' : 'other'
    return {
      kind,
      ref: typeof claims.ref === 'string' ? claims.ref : undefined,
      expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
    }
  } catch {
    return { kind: 'unreadable' }
  }
}

/** The project ref of a hosted project's URL (`https://<ref>.supabase.co`), else undefined. */
export function projectRef(url: string): string | undefined {
  try {
    const host = new URL(url).hostname
    const match = /^([a-z0-9]+)\.supabase\.(co|in)$/.exec(host)
    return match?.[1]
  } catch {
    return undefined
  }
}
