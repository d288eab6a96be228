/**
 * Holds one write in Supabase's database, while its statement runs: the request has reached
 * PostgREST and PostgreSQL, the client's timeout fires, and the statement goes on (PostgREST never
 * cancels it) until the test lets it finish — after whatever the test does meanwhile. A statement
 * trigger on the table takes a turn from a sequence (not rolled back, so a retry of the same write
 * takes the next turn and passes); the write that takes the armed turn waits in a loop until the
 * test opens the gate. A loop, not a lock: the apply function bounds lock waits by its deadline
 * (lock_timeout), and a write that outlives its client without waiting for any lock must be tested too.
 */
import pg from 'pg'

const setupSql = (table: string) => `
  create sequence if not exists public.test_gate_turn;
  select setval('public.test_gate_turn', 1000);
  create sequence if not exists public.test_gate_pid;
  create table if not exists public.test_gate_open (opened boolean);
  -- Security definer: the writes run as service_role, which has no grant on these.
  create or replace function public.test_gate() returns trigger
  language plpgsql security definer set search_path = '' as $$
  begin
    if pg_catalog.nextval('public.test_gate_turn') = 1 then
      perform pg_catalog.setval('public.test_gate_pid', pg_catalog.pg_backend_pid());
      while not exists (select 1 from public.test_gate_open) loop
        perform pg_catalog.pg_sleep(0.005);
      end loop;
    end if;
    return null;
  end $$;
  drop trigger if exists test_gate on public.${table};
  create trigger test_gate before insert or update or delete on public.${table}
    for each statement execute function public.test_gate();`

export interface StatementGate {
  /** The next write statement on the table waits in the database until open(). */
  arm(): Promise<void>
  /** Resolves when the armed write is waiting (its connection's backend pid). */
  entered(): Promise<number>
  /** Lets the held write go on, and resolves once its transaction has ended (committed or rolled back). */
  openAndWait(): Promise<void>
  /** Opens the gate, removes the trigger and ends the connection. */
  close(): Promise<void>
}

async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  // Conditions, not durations: the deadline only names a condition that never comes.
  const end = Date.now() + 30_000
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export async function statementGate(dbUri: string, table = 'dealers'): Promise<StatementGate> {
  const db = new pg.Client({ connectionString: dbUri })
  await db.connect()
  await db.query(setupSql(table))
  let pid: number | undefined
  const entered = () =>
    until(async () => {
      const { rows } = await db.query<{ pid: string; is_called: boolean }>(
        'select last_value::text as pid, is_called from public.test_gate_pid',
      )
      return rows[0].is_called ? (pid = Number(rows[0].pid)) : undefined
    }, 'the armed write to reach the gate')
  return {
    async arm() {
      await db.query(
        `delete from public.test_gate_open;
         select setval('public.test_gate_pid', 1, false);
         select setval('public.test_gate_turn', 1, false)`,
      )
    },
    entered,
    async openAndWait() {
      const held = pid ?? (await entered())
      await db.query('insert into public.test_gate_open values (true)')
      // Its transaction has ended once its connection (the stand-in's) is idle, or gone.
      await until(async () => {
        const { rows } = await db.query<{ state: string }>(
          'select state from pg_stat_activity where pid = $1',
          [held],
        )
        return rows.length === 0 || rows[0].state === 'idle' ? true : undefined
      }, 'the held write to end')
      pid = undefined
    },
    async close() {
      await db.query(
        `insert into public.test_gate_open values (true);
         drop trigger if exists test_gate on public.${table};
         select setval('public.test_gate_turn', 1000)`,
      )
      await db.end()
    },
  }
}
