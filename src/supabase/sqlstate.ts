/**
 * The HTTP status PostgREST gives a PostgreSQL SQLSTATE (its Error.hs), used for errors the
 * upsert function reports per row, which arrive as SQLSTATEs without a status of their own.
 */
export function sqlStateStatus(code: string): number {
  if (code === '23505' || code === '23503') return 409
  if (code === '25006') return 405
  if (code === '42P01' || code === '42883') return 404
  if (code === '42501') return 403
  if (code === '42P17' || code === '53400' || code === '21000') return 500
  if (code === '57P01') return 503
  if (code.startsWith('08') || code.startsWith('53')) return 503
  if (code === 'P0001') return 400
  if (/^(09|25|2D|38|39|3B|40|54|55|57|58|F0|HV|XX)/.test(code) || code.startsWith('P0')) return 500
  if (/^(28|0L|0P)/.test(code)) return 403
  return 400
}
