/**
 * A separate process for the crash test: starts Payload with the plugin (runner as configured by
 * SYNC_RUNNER), saves one dealer, prints its id, then waits to be killed.
 */
import { getPayload } from 'payload'
import { devConfig } from '../../dev/config.js'

const runner = process.env.SYNC_RUNNER !== 'off'
const config = await devConfig({
  databaseUri: process.env.DATABASE_URI!,
  supabaseUrl: process.env.SUPABASE_URL!,
  serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY!,
  sync: { syncOnInit: false, queue: runner ? {} : { runAfterCommit: false, sweepInterval: false } },
  extend: (c) => ({ ...c, logger: { options: { level: 'warn' } } }),
})
const payload = await getPayload({ config })
const doc = await payload.create({ collection: 'dealers', data: JSON.parse(process.env.DEALER!) })
process.stdout.write(`saved ${doc.id}\n`)
setInterval(() => {}, 1000)
