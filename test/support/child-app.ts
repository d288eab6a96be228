/**
 * An app process for multi-process tests: Payload with the plugin, driven by JSON lines on stdin and
 * answering on stdout. `CHILD_CONFIG=convergence` uses test/support/collections.ts's convergence setup
 * (`convergence-pull`: with the dealers' `'pull'` policy; otherwise the dev config's Dealers), with
 * SYNC_OPTIONS as plugin options.
 *
 *   { "n": 1, "op": "create" | "update" | "delete", "collection"?: "dealers", "id"?, "data"?, "options"? }
 *   { "n": 7, "op": "updateMany" | "deleteMany", "collection"?, "ids", "data"?, "options"? }
 *                                   → result { errors }: a bulk operation over these ids (`where`)
 *   { "n": 2, "op": "pull", "collection"?, "ids" }        { "n": 3, "op": "sync", "collection"? }
 *   { "n": 4, "op": "watch", "data": { "mode": "off" } }   (the realtime watch stopped, or started
 *                                                           again: "revert", or dealers on "pull")
 *   { "n": 5, "op": "startup" }     → result { running }: whether its startup reconcile still runs
 *   { "n": 6, "op": "idle" }        (answers once its startup reconcile, watch and runner are idle)
 *   → { "n": 1, "ok": true, "id": "…", "result"? }   or   { "n": 1, "ok": false, "error": "…" }
 *
 * Prints `{ "ready": true }` once started.
 */
import readline from 'node:readline'
import { getPayload } from 'payload'
import { devConfig } from '../../dev/config.js'
import { pullFromSupabase, syncDocuments, whenIdle } from '../../src/index.js'
import { getRuntime } from '../../src/lifecycle/registry.js'
import { convergenceConfig, convergencePullConfig } from './collections.js'
import type { ChildOp } from './children.js'
import type { Watch } from './convergence-ops.js'
import { setWatch } from './direct-writes.js'

interface Command {
  n: number
  op: ChildOp
  collection?: string
  id?: string
  ids?: string[]
  data?: Record<string, unknown>
  options?: Record<string, unknown>
}

const base =
  process.env.CHILD_CONFIG === 'convergence-pull'
    ? convergencePullConfig
    : process.env.CHILD_CONFIG === 'convergence'
      ? convergenceConfig
      : {}
const config = await devConfig({
  ...base,
  databaseUri: process.env.DATABASE_URI!,
  supabaseUrl: process.env.SUPABASE_URL!,
  serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY!,
  sync: { ...base.sync, ...JSON.parse(process.env.SYNC_OPTIONS ?? '{}') },
  extend: (c) => ({
    ...(base.extend ? base.extend(c) : c),
    logger: { options: { level: process.env.CHILD_LOG_LEVEL ?? 'error' } },
  }),
})
const payload = await getPayload({ config })
// A full reconcile of every table, in the background after `ready`: it writes Payload's rows over
// direct edits it meets, as any reconcile does (the convergence test's pull cases must know).
let startupRunning = true
void Promise.resolve(getRuntime(payload).initialSync).finally(() => (startupRunning = false))
const reply = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`)

async function run(c: Command): Promise<{ id?: string; result?: unknown }> {
  const collection = (c.collection ?? 'dealers') as 'dealers'
  const options = (c.options ?? {}) as Record<string, never>
  switch (c.op) {
    case 'create':
      return {
        id: String((await payload.create({ collection, data: c.data ?? {}, ...options })).id),
      }
    case 'update':
      return {
        id: String(
          (await payload.update({ collection, id: c.id!, data: c.data ?? {}, ...options })).id,
        ),
      }
    case 'delete':
      await payload.delete({ collection, id: c.id!, ...options })
      return { id: c.id }
    case 'updateMany':
    case 'deleteMany': {
      const where = { id: { in: c.ids ?? [] } }
      const { errors } =
        c.op === 'updateMany'
          ? await payload.update({ collection, where, data: c.data ?? {}, ...options })
          : await payload.delete({ collection, where, ...options })
      return { result: { errors: errors.map(({ id, message }) => ({ id, message })) } }
    }
    case 'pull':
      return { result: await pullFromSupabase(payload, { collection, ids: c.ids }) }
    case 'sync':
      return { result: await syncDocuments(payload, { collection, ids: c.ids }) }
    case 'watch':
      await setWatch(payload, (c.data?.mode as Watch | undefined) ?? 'revert')
      return {}
    case 'startup':
      return { result: { running: startupRunning } }
    case 'idle':
      await whenIdle(payload)
      return {}
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command
  run(command).then(
    (out) => reply({ n: command.n, ok: true, ...out }),
    (error: unknown) =>
      reply({
        n: command.n,
        ok: false,
        error:
          error instanceof Error
            ? `${error.message}${error.cause ? ` (cause: ${String((error.cause as Error).message ?? error.cause)})` : ''}`
            : String(error),
      }),
  )
})
reply({ ready: true })
