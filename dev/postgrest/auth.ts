/**
 * Supabase-style API keys: HS256 JWTs signed with the project's JWT secret, whose `role` claim
 * names the PostgreSQL role a request runs as. Verification follows PostgREST's Auth/Jwt.hs, so the
 * error codes and messages are the ones a real project would send back.
 */
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose'
import { ApiError } from './errors.js'

export type KeyRole = 'service_role' | 'anon'

/** The role PostgREST falls back to when a JWT carries no role claim (Supabase configures `anon`). */
export const ANON_ROLE = 'anon'

const TEN_YEARS_S = 10 * 365 * 24 * 3600

/** Signs a key like the ones Supabase issues (`iss: supabase-demo` is what the Supabase CLI uses locally). */
export async function signKey(secret: string, role: KeyRole): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('supabase-demo')
    .setIssuedAt(now)
    .setExpirationTime(now + TEN_YEARS_S)
    .sign(new TextEncoder().encode(secret))
}

export interface AuthResult {
  role: string
  claims: JWTPayload
}

type Headers = Record<string, string | string[] | undefined>

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

function jwtDecodeError(message: string): ApiError {
  return new ApiError(401, 'PGRST301', message, null, null, {
    'WWW-Authenticate': `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
  })
}

function jwtClaimsError(message: string): ApiError {
  return new ApiError(401, 'PGRST303', message, null, null, {
    'WWW-Authenticate': `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
  })
}

/**
 * Finds the key of a request: `Authorization: Bearer` first (that is what PostgREST reads), then the
 * `apikey` header or query parameter (what Supabase's gateway accepts and forwards when there is
 * no Authorization header).
 */
export function extractToken(headers: Headers, apikeyParam: string | null): string | undefined {
  const authorization = header(headers, 'authorization')
  if (authorization !== undefined) {
    const match = /^bearer(?:\s+(.*))?$/i.exec(authorization.trim())
    if (match) return (match[1] ?? '').trim()
  }
  return header(headers, 'apikey') ?? apikeyParam ?? undefined
}

/**
 * Resolves the role of a request or throws the 401 PostgREST would answer.
 *
 * A request with no key at all never reaches PostgREST on Supabase: the gateway refuses it with 401.
 * The stand-in answers 401 too, with PostgREST's code for "no anonymous access" (PGRST302), so the
 * body keeps PostgREST's shape.
 */
export async function authenticate(
  headers: Headers,
  apikeyParam: string | null,
  secret: string,
): Promise<AuthResult> {
  const token = extractToken(headers, apikeyParam)
  if (token === undefined) {
    throw new ApiError(
      401,
      'PGRST302',
      'Anonymous access is disabled',
      null,
      'No `apikey` request header or url param was found.',
      {
        'WWW-Authenticate': 'Bearer',
      },
    )
  }
  if (token === '') throw jwtDecodeError('Empty JWT is sent in Authorization header')
  const parts = token.split('.').length
  if (parts !== 3) throw jwtDecodeError(`Expected 3 parts in JWT; got ${parts}`)
  let payload: JWTPayload
  try {
    // PostgREST allows 30 s of clock skew on exp/nbf/iat.
    ;({ payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      clockTolerance: 30,
    }))
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw jwtClaimsError('JWT expired')
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
      if (error.claim === 'nbf') throw jwtClaimsError('JWT not yet valid')
      if (error.claim === 'iat') throw jwtClaimsError('JWT issued at future')
      throw jwtClaimsError('Parsing claims failed')
    }
    if (
      error instanceof joseErrors.JOSEAlgNotAllowed ||
      error instanceof joseErrors.JOSENotSupported
    ) {
      throw jwtDecodeError('Wrong or unsupported encoding algorithm')
    }
    throw jwtDecodeError('JWT cryptographic operation failed')
  }
  const role = typeof payload.role === 'string' && payload.role !== '' ? payload.role : ANON_ROLE
  return { role, claims: payload }
}
