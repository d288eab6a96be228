/**
 * `npm run dev`: the local stack (data kept in dev/.data/ between runs), a seed (a few dealers and a
 * first admin user when there are none), then Payload's admin through `next dev` on port 3000.
 * Ctrl-C stops Next and the stack.
 *
 * Environment: PORT (Next, default 3000), NEXT_HOST (Next's address, default 127.0.0.1), SUPABASE_PORT (stand-in, default 54321),
 * DEV_ADMIN_EMAIL / DEV_ADMIN_PASSWORD (the first admin; default dev@example.com and a generated
 * password kept in dev/.data/dev-admin.json), PAYLOAD_AUTOLOGIN=true (log the admin in automatically).
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { devDir, devLog as log, startDevApp, warmUp, type DevApp } from './devApp.js'

let app: DevApp | undefined
let stopping = false
let stoppingSince = 0

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true
    stoppingSince = Date.now()
    log('stopping Next and the local stack ...')
    await app?.stop().catch((err) => console.error(err))
  }
  process.exit(code)
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C: leave now. (The first one can arrive twice: from the terminal and relayed by tsx.)
    if (stopping && Date.now() - stoppingSince > 1_000) process.exit(130)
    void shutdown(130)
  })
}

try {
  app = await startDevApp({
    nextPort: Number(process.env.PORT ?? 3000),
    nextHost: process.env.NEXT_HOST || undefined,
    supabasePort: Number(process.env.SUPABASE_PORT ?? 54321),
  })
} catch (err) {
  console.error(err)
  await shutdown(1)
}
const { admin, stack, timings } = app!
// For `npx payload supabase-sync …` in the repository (dev/payload.config.ts reads it) and for pasting.
const env = {
  PAYLOAD_CONFIG_PATH: 'dev/payload.config.ts',
  DATABASE_URI: stack.databaseUri,
  SUPABASE_URL: stack.supabaseUrl,
  SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
  SUPABASE_DB_URI: stack.supabaseDbUri,
}
await fs.mkdir(path.join(devDir, '.data'), { recursive: true })
await fs.writeFile(
  path.join(devDir, '.data', 'dev.env'),
  `${Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`,
)
const banner = [
  '',
  `  Admin:              ${app!.adminUrl}`,
  `    login:            ${admin.email} / ${admin.password}${admin.created ? '  (created now)' : ''}`,
  `  Supabase stand-in:  ${stack.supabaseUrl}`,
  `    service key:      ${stack.serviceRoleKey}`,
  `    database:         ${stack.supabaseDbUri}`,
  `  Payload database:   ${stack.databaseUri}`,
  `  (stack ${timings.stackMs} ms, seed ${timings.seedMs} ms${app!.dealersSeeded ? `, ${app!.dealersSeeded} dealers seeded` : ''}, next ready ${timings.nextReadyMs} ms)`,
  '',
  '  The commands work in this repository as they are (dev/.data/dev.env): npx payload supabase-sync status',
  '  Elsewhere, paste:',
  ...Object.entries(env).map(([k, v]) => `    export ${k}='${v}'`),
  '',
].join('\n')
console.log(banner)

// The first request compiles the admin (about 30 s): do it now rather than in the first browser visit.
log('compiling /admin in the background ...')
warmUp(`${app!.url}/admin/login`).then(
  ({ ms, status }) =>
    log(
      `/admin/login compiled and served (${status}) in ${(ms / 1000).toFixed(1)} s: open ${app!.adminUrl}`,
    ),
  (err: Error) => log(`warming /admin failed: ${err.message}`),
)

const code = await app!.nextExited
if (!stopping) {
  log(`next dev exited (code ${code})`)
  await shutdown(code ?? 1)
}
