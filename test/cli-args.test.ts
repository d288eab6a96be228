/**
 * The command's arguments (`npx payload supabase-sync …` in a child process, as operators run it):
 * whatever the command would not use is refused before anything runs, naming it, with exit 2 and the
 * error on stderr — an argument silently ignored changes what runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dealerData, eventually, startApp, type TestApp } from './support/app.js'
import { startSupabaseSyncCommand, supabaseSyncCommand } from './support/cli.js'

let app: TestApp
let id: string

beforeAll(async () => {
  app = await startApp({ sync: { syncOnInit: false } })
  id = String((await app.payload.create({ collection: 'dealers', data: dealerData() })).id)
  await eventually(async () => expect((await app.rows()).has(id)).toBe(true))
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

const cli = (...args: string[]) => supabaseSyncCommand(app.stack, ...args)
const name = async () =>
  (await app.payload.findByID({ collection: 'dealers', id, depth: 0 })).name as string

describe('arguments the command does not take', () => {
  it('an id given without --id is refused, not taken for "every changed row"', async () => {
    const before = await name()
    await app.supabase.query(
      `update public.dealers set name = 'edited in Supabase' where id = $1`,
      [id],
    )
    const result = await cli('pull', id)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`unexpected argument "${id}" (a document id goes after --id)`)
    expect(result.stdout).toBe('')
    // Nothing ran: Payload keeps its value (before, every changed row was pulled).
    expect(await name()).toBe(before)
  })

  it('reset --id is refused: a reset is of the whole table, and would rewrite and delete every row', async () => {
    const { rows } = await app.supabase.query(
      `insert into public.dealers (id, name, slug, created_at) values (gen_random_uuid(), 'orphan', $1, now()) returning id`,
      [`orphan-${Date.now()}`],
    )
    const orphan = String(rows[0].id)
    const result = await cli('reset', '--yes', '--id', id)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('reset does not take --id')
    expect((await app.rows()).has(orphan)).toBe(true)
    await app.supabase.query('delete from public.dealers where id = $1', [orphan])
  })

  it('an unknown or missing command, an unknown option and an unknown collection are named (exit 2, stderr)', async () => {
    const unknown = await cli('vaildate')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command "vaildate"')
    expect(unknown.stdout).toBe('')
    const missing = await cli()
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('missing command')
    const option = await cli('validate', '--ids', id)
    expect(option.code).toBe(2)
    expect(option.stderr).toContain("Unknown option '--ids'")
    // sql printed nothing for a collection that is not synced, and said it was done (exit 0).
    const collection = await cli('sql', '--collection', 'dealer')
    expect(collection.code).toBe(2)
    expect(collection.stderr).toContain('--collection dealer: not a synced collection')
    expect(collection.stdout).toBe('')
  })
})

describe('Ctrl-C', () => {
  it('ends a command that has no pages to stop between (status) at once, with exit 130', async () => {
    // The status's read of the table is held: the command waits there until Ctrl-C.
    const hold = app.stack.faults.hold({ path: 'dealers' })
    const running = startSupabaseSyncCommand(app.stack, 'status')
    try {
      await hold.arrived
      running.child.kill('SIGINT')
      // Before: it said it would stop after the current page, and went on (exit 0 once released).
      const code = await Promise.race([
        running.exited,
        eventually(async () => expect(running.stderr()).toContain('stopping after')).then(
          () => 'went on',
        ),
      ])
      expect(code).toBe(130)
    } finally {
      hold.release()
      await running.exited
    }
  })
})
