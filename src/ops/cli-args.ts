/**
 * The command's arguments, checked before anything runs. Whatever the command would not use is
 * refused, naming it (exit 2): an argument silently ignored changes what runs — `pull 5e0a…` (the id
 * without `--id`) pulled every changed row, `reset --yes --id 5e0a…` rewrote the whole table.
 */
import { parseArgs } from 'node:util'
import { InputError } from '../errors.js'

export const commands = ['validate', 'sync', 'reset', 'pull', 'status', 'doctor', 'sql'] as const
export type Command = (typeof commands)[number]

const options = {
  collection: { type: 'string' },
  id: { type: 'string', multiple: true },
  'dealer-id': { type: 'string', multiple: true },
  json: { type: 'boolean' },
  yes: { type: 'boolean' },
  force: { type: 'boolean' },
  actor: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean' },
} as const

type Option = keyof typeof options

/** What each command uses (`--collection` everywhere: status and doctor check it and report all). */
const takes: Record<Command, readonly Option[]> = {
  validate: ['collection', 'id', 'dealer-id', 'json', 'actor'],
  sync: ['collection', 'id', 'dealer-id', 'json', 'force', 'actor'],
  // A reset is of the whole table: `--id` would be dropped, and every row rewritten.
  reset: ['collection', 'json', 'yes', 'force', 'actor'],
  pull: ['collection', 'id', 'dealer-id', 'json', 'force', 'actor'],
  status: ['collection', 'json'],
  doctor: ['collection', 'json'],
  sql: ['collection', 'out'],
}

export interface CommandArgs {
  command: Command
  collection?: string
  ids: string[]
  json: boolean
  yes: boolean
  force: boolean
  actor?: string
  out?: string
}

/** `--help`: the usage is the answer (stdout, exit 0). */
export type ParsedArgs = CommandArgs | { help: true }

/** The arguments after `supabase-sync`; an InputError naming the first one that is wrong. */
export function parseCommandArgs(args: string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (error) {
    // Node's own message names the option (`Unknown option '--ids'`, `Option '--id <value>' argument missing`).
    throw new InputError((error as Error).message, 'arguments')
  }
  const { values, positionals } = parsed
  if (values.help) return { help: true }
  const [command, ...rest] = positionals
  if (command === undefined)
    throw new InputError(`missing command: one of ${commands.join(', ')}`, 'command')
  if (!(commands as readonly string[]).includes(command))
    throw new InputError(`unknown command "${command}": one of ${commands.join(', ')}`, 'command')
  if (rest.length)
    throw new InputError(
      `unexpected argument "${rest[0]}"${takes[command as Command].includes('id') ? ' (a document id goes after --id)' : ''}`,
      'arguments',
    )
  const given = (Object.keys(values) as Option[]).filter((o) => values[o] !== undefined)
  const extra = given.find((o) => !takes[command as Command].includes(o))
  if (extra) throw new InputError(`${command} does not take --${extra}`, extra)
  return {
    command: command as Command,
    collection: values.collection,
    ids: [...(values.id ?? []), ...(values['dealer-id'] ?? [])],
    json: values.json === true,
    yes: values.yes === true,
    force: values.force === true,
    actor: values.actor,
    out: values.out,
  }
}
