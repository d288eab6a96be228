import type { Logger } from 'pino'

/**
 * Paths pino blanks in every line of the plugin's logger: the service-role key must never reach a log,
 * also not through an error object that carries request headers or the client's options.
 */
export const redactPaths = [
  'serviceRoleKey',
  '*.serviceRoleKey',
  'supabase.serviceRoleKey',
  'apikey',
  '*.apikey',
  'headers.apikey',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.apikey',
  '*.headers.authorization',
  '*.headers.Authorization',
  'supabaseKey',
  '*.supabaseKey',
]

/** The plugin's child logger, with redaction added to whatever the parent already redacts. */
export function pluginLogger(parent: Logger): Logger {
  return parent.child(
    { plugin: 'supabase-sync' },
    { redact: { paths: redactPaths, censor: '[redacted]' } },
  )
}

/** Removes a secret from a free-text message (error messages are not covered by path redaction). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]')
  return out
}
