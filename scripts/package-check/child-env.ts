/** The environment for child processes: the caller's, without anything that points at this repo or its tools. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = {} as NodeJS.ProcessEnv
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_package_|npm_lifecycle_|TSX)/i.test(k)) continue
    if (
      [
        'npm_config_local_prefix',
        'npm_command',
        'INIT_CWD',
        'PAYLOAD_CONFIG_PATH',
        'DATABASE_URI',
        'SUPABASE_URL',
        'SUPABASE_SERVICE_ROLE_KEY',
        'SUPABASE_DB_URI',
        'PAYLOAD_SECRET',
      ].includes(k)
    )
      continue
    env[k] = v
  }
  // tsx may add its loader to NODE_OPTIONS: the project must run under plain node.
  if (env.NODE_OPTIONS) {
    const kept = env.NODE_OPTIONS.split(/\s+/).filter(
      (o, i, all) =>
        !/tsx/.test(o) && !(/^--(import|require|loader)$/.test(o) && /tsx/.test(all[i + 1] ?? '')),
    )
    if (kept.length) env.NODE_OPTIONS = kept.join(' ')
    else delete env.NODE_OPTIONS
  }
  return { ...env, ...extra }
}
