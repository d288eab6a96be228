/**
 * An app process for multi-process tests: Payload with the plugin (options from SYNC_OPTIONS), driven
 * by JSON lines on stdin — `{ "n": 1, "op": "create" | "update" | "delete", "id"?, "data"? }` — and
 * answering `{ "n": 1, "ok": true, "id": "…" }` on stdout. Prints `{ "ready": true }` once started.
 */
import readline from 'node:readline'
import { getPayload } from 'payload'
import { devConfig } from '../../dev/config.js'

interface Command {
  n: number
  op: 'create' | 'update' | 'delete'
  id?: string
  data?: Record<string, unknown>
}

const config = await devConfig({
  databaseUri: process.env.DATABASE_URI!,
  supabaseUrl: process.env.SUPABASE_URL!,
  serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY!,
  sync: JSON.parse(process.env.SYNC_OPTIONS ?? '{}'),
  extend: (c) => ({ ...c, logger: { options: { level: process.env.CHILD_LOG_LEVEL ?? 'error' } } }),
})
const payload = await getPayload({ config })
const reply = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`)

async function run(command: Command): Promise<string | undefined> {
  if (command.op === 'create') return String((await payload.create({ collection: 'dealers', data: command.data ?? {} })).id)
  if (command.op === 'update') return String((await payload.update({ collection: 'dealers', id: command.id!, data: command.data ?? {} })).id)
  await payload.delete({ collection: 'dealers', id: command.id! })
  return command.id
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command
  run(command).then(
    (id) => reply({ n: command.n, ok: true, id }),
    (error: unknown) => reply({ n: command.n, ok: false, error: error instanceof Error ? `${error.message}${error.cause ? ` (cause: ${String((error.cause as Error).message ?? error.cause)})` : ''}` : String(error) }),
  )
})
reply({ ready: true })
