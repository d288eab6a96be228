/**
 * The change stream behind postgres_changes: PostgreSQL's logical replication of the
 * `supabase_realtime` publication, decoded with the built-in `pgoutput` plugin through
 * pg-logical-replication, on a TEMPORARY slot (PostgreSQL drops it when the replication connection
 * ends, so a crashed test leaves nothing either).
 *
 * Supabase's Realtime reads the same publication with wal2json through a temporary slot
 * (lib/extensions/postgres_cdc_rls/replications.ex `prepare_replication/2`:
 * `pg_create_logical_replication_slot($1, 'wal2json', 'true')`, polled by replication_poller.ex). The
 * stand-in streams pgoutput instead (wal2json is not part of PostgreSQL) and rebuilds what wal2json
 * format 2 hands to `realtime.apply_rls`: the new row (`columns`) and the old identity (`identity`):
 *
 * - INSERT: the new row.
 * - UPDATE: the new row; as identity the old row with REPLICA IDENTITY FULL, else the replica identity
 *   key (the primary key by default) — the old key when the key changed, the new row's key columns
 *   otherwise. A TOASTed value that the update left alone is not in the WAL: it is missing from the
 *   new row (FULL fills it from the old row), as in wal2json.
 * - DELETE: only the identity (the primary key by default, the whole old row with FULL). With
 *   REPLICA IDENTITY NOTHING PostgreSQL does not stream deletes at all.
 * - TRUNCATE is not sent (Supabase asks wal2json for `insert,update,delete` only).
 */
import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication'
import type pg from 'pg'

export type ChangeAction = 'INSERT' | 'UPDATE' | 'DELETE'

export interface RelationInfo {
  oid: number
  schema: string
  table: string
  replicaIdentity: 'default' | 'nothing' | 'full' | 'index'
  columns: { name: string; typeOid: number; key: boolean }[]
}

/** A column's text value (PostgreSQL's output format), null, or undefined: an unchanged TOASTed value. */
export type TextRow = Record<string, string | null | undefined>

export interface RowChange {
  action: ChangeAction
  relation: RelationInfo
  /** INSERT and UPDATE: the new row. */
  record: TextRow | null
  /** UPDATE and DELETE: the replica identity of the old row (wal2json's `identity`). */
  identity: TextRow | null
  /** The transaction's commit LSN, for ordering against the LSN a subscription started at. */
  commitLsn: bigint
  /** Commit time, microseconds since the Unix epoch. */
  commitTimeUs: bigint
}

export type ReplicationState = 'idle' | 'starting' | 'streaming' | 'stopped' | 'failed'

export interface ReplicationOptions {
  connectionString: string
  publication: string
  slotName: string
  applicationName: string
  /** A pool on the same database, for the slot checks after stop. */
  pool: pg.Pool
  onChange(change: RowChange): void
  /** The stream ended without stop() (the server went away, the connection was killed). */
  onFailure(error: unknown): void
}

/** 'XXXXXXXX/XXXXXXXX' (or pg_lsn's '0/1A2B3C') as a number. */
export function parseLsn(lsn: string): bigint {
  const [hi, lo] = lsn.split('/')
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`)
}

/**
 * pgoutput with the column values kept as PostgreSQL's text (pg-logical-replication would run pg's
 * type parsers: Dates, lost microseconds), and a temporary slot created on the replication
 * connection itself right before START_REPLICATION.
 */
class TextPgoutputPlugin extends PgoutputPlugin {
  parse(buffer: Buffer): Pgoutput.Message {
    const message = super.parse(buffer)
    // The relation object is the one the parser caches and decodes this relation's tuples with.
    if (message.tag === 'relation') for (const c of message.columns) c.parser = (raw) => raw
    return message
  }

  async start(client: pg.Client, slotName: string, lastLsn: string): Promise<unknown> {
    await client.query(`CREATE_REPLICATION_SLOT "${slotName}" TEMPORARY LOGICAL pgoutput`)
    return super.start(client, slotName, lastLsn)
  }
}

function relationInfo(r: Pgoutput.MessageRelation): RelationInfo {
  return {
    oid: r.relationOid,
    schema: r.schema,
    table: r.name,
    replicaIdentity: r.replicaIdentity,
    columns: r.columns.map((c) => ({
      name: c.name,
      typeOid: c.typeOid,
      key: (c.flags & 1) === 1,
    })),
  }
}

function keyColumns(relation: RelationInfo, row: Record<string, unknown>): TextRow {
  const out: TextRow = {}
  for (const c of relation.columns) {
    if (c.key) out[c.name] = (row[c.name] ?? null) as string | null
  }
  return out
}

export class Replication {
  private service: LogicalReplicationService | undefined
  private starting: Promise<void> | undefined
  private stopping = false
  private transaction: { commitLsn: bigint; commitTimeUs: bigint } | undefined
  state: ReplicationState = 'idle'

  constructor(private readonly options: ReplicationOptions) {}

  /** Creates the slot and starts streaming (once); resolves when the stream has started. */
  start(): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('realtime stand-in: stopped'))
    this.starting ??= this.open().catch((error: unknown) => {
      this.starting = undefined
      this.state = 'failed'
      throw error
    })
    return this.starting
  }

  private async open(): Promise<void> {
    this.state = 'starting'
    const { connectionString, applicationName, slotName, publication } = this.options
    const service = new LogicalReplicationService(
      { connectionString, application_name: applicationName },
      { acknowledge: { auto: true, timeoutSeconds: 10 } },
    )
    this.service = service
    const plugin = new TextPgoutputPlugin({ protoVersion: 1, publicationNames: [publication] })
    service.on('data', (_lsn: string, message: Pgoutput.Message) => this.receive(message))
    service.on('heartbeat', (lsn: string, _ts: number, shouldRespond: boolean) => {
      if (shouldRespond) void service.acknowledge(lsn).catch(() => {})
    })
    // The failure itself surfaces through subscribe()'s promise; an 'error' without a listener throws.
    service.on('error', () => {})
    let started!: () => void
    const streaming = new Promise<void>((resolve) => {
      started = resolve
    })
    service.once('start', () => started())
    // Once streaming, the end of subscribe()'s promise is the end of the stream; before, a failed start.
    const ended = service.subscribe(plugin, slotName).then(
      () => {
        if (this.state === 'streaming') {
          this.fail(new Error('realtime stand-in: the replication stream ended'))
        } else {
          throw new Error('the replication connection closed before streaming')
        }
      },
      (error: unknown) => {
        if (this.state === 'streaming') this.fail(error)
        throw error
      },
    )
    try {
      await Promise.race([streaming, ended])
    } catch (error) {
      await service.stop().catch(() => {})
      this.service = undefined
      throw new Error(
        `realtime stand-in: cannot stream the ${publication} publication (is wal_level logical?): ${String(
          (error as Error)?.message ?? error,
        )}`,
        { cause: error },
      )
    }
    ended.catch(() => {})
    this.state = 'streaming'
  }

  /** The stream broke while streaming: the owner stops this instance and may start a new one. */
  private fail(error: unknown): void {
    if (this.state === 'failed' || this.stopping) return
    this.state = 'failed'
    this.options.onFailure(error)
  }

  private receive(message: Pgoutput.Message): void {
    switch (message.tag) {
      case 'begin':
        this.transaction = {
          commitLsn: message.commitLsn ? parseLsn(message.commitLsn) : 0n,
          commitTimeUs: BigInt(message.commitTime as bigint),
        }
        return
      case 'commit':
        this.transaction = undefined
        return
      case 'insert':
      case 'update':
      case 'delete':
        break
      default:
        return
    }
    const tx = this.transaction ?? { commitLsn: 0n, commitTimeUs: BigInt(Date.now()) * 1000n }
    const relation = relationInfo(message.relation)
    if (message.tag === 'insert') {
      this.options.onChange({
        action: 'INSERT',
        relation,
        record: { ...message.new },
        identity: null,
        ...tx,
      })
    } else if (message.tag === 'update') {
      const identity = message.old
        ? { ...message.old }
        : message.key
          ? keyColumns(relation, message.key)
          : keyColumns(relation, message.new)
      this.options.onChange({
        action: 'UPDATE',
        relation,
        record: { ...message.new },
        identity,
        ...tx,
      })
    } else {
      const identity = message.old
        ? { ...message.old }
        : message.key
          ? keyColumns(relation, message.key)
          : {}
      this.options.onChange({ action: 'DELETE', relation, record: null, identity, ...tx })
    }
  }

  /**
   * Ends the replication connection (PostgreSQL then drops the temporary slot) and waits until the
   * slot and the walsender serving it are gone. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    await this.starting?.catch(() => {})
    const service = this.service
    this.service = undefined
    // The slot existed only if the replication connection got as far as creating it.
    const walsender = service ? await this.walsenderPid() : undefined
    if (service) await service.destroy().catch(() => {})
    this.state = 'stopped'
    if (service) await this.waitUntilGone(walsender)
  }

  private async walsenderPid(): Promise<number | undefined> {
    const { rows } = await this.options.pool
      .query<{ pid: number | null }>(
        'select active_pid as pid from pg_replication_slots where slot_name = $1',
        [this.options.slotName],
      )
      .catch(() => ({ rows: [] as { pid: number | null }[] }))
    return rows[0]?.pid ?? undefined
  }

  private async waitUntilGone(walsender: number | undefined): Promise<void> {
    const { pool, slotName } = this.options
    const deadline = Date.now() + 10_000
    for (;;) {
      const { rows } = await pool
        .query<{ slot: boolean; active: boolean; backend: boolean }>(
          `select exists (select 1 from pg_replication_slots where slot_name = $1) as slot,
                  exists (select 1 from pg_replication_slots where slot_name = $1 and active) as active,
                  exists (select 1 from pg_stat_activity where pid = $2) as backend`,
          [slotName, walsender ?? 0],
        )
        .catch(() => ({ rows: [] }))
      // No answer (the server is gone) counts as gone.
      const state = rows[0]
      if (!state || (!state.slot && !state.backend)) return
      if (Date.now() > deadline) {
        // A temporary slot goes with its session; an inactive leftover can be dropped by anyone.
        if (state.slot && !state.active) {
          await pool.query('select pg_drop_replication_slot($1)', [slotName]).catch(() => {})
        }
        return
      }
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}
