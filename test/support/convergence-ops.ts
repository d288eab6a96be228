/**
 * The operations of the randomized convergence test (test/convergence.property.test.ts) and what
 * fast-check draws them from: a case is batches of operations that run at once, with the realtime
 * watch on (direct edits in Supabase undone by it), on with the dealers' `'pull'` policy (direct
 * edits taken into Payload, what Payload cannot take written back), or off (left to the case's final
 * reconcile).
 */
import fc from 'fast-check'

export type On = 0 | 1
export type Synced = 'dealers' | 'posts' | 'codes'
/**
 * What a direct update of a dealer's row changes: a column Payload takes (`domain`, `name`), one it
 * cannot (`created_at`, read-only; a blank name, refused by the mapper's schema) — written back — or
 * both at once (the pull takes one, its save writes the other back).
 */
export type TamperedColumn = 'domain' | 'name' | 'created_at' | 'blankName' | 'domainAndCreatedAt'
export type PostChange = 'publish' | 'draft' | 'unpublish' | 'notes' | 'de' | 'internal' | 'public'
/**
 * What a bulk operation (`update` / `delete` with `where: { id: { in } }`) does to its documents: a
 * dealer's synced `name`, unsynced `notes`, or one `slug` for all (two or more clash: the transaction
 * aborts and rolls all of it back); a post's changes, trash and restore; a code's label; or a delete.
 */
export type BulkChange =
  | { t: 'bulkDealers'; change: 'name' | 'notes' | 'slug' | 'delete' }
  | { t: 'bulkPosts'; change: PostChange | 'trash' | 'restore' | 'delete' }
  | { t: 'bulkCodes'; change: 'label' | 'delete' }
/** The picks may name documents deleted before (a bulk operation skips them). */
export type BulkOp = BulkChange & { on: On; picks: number[] }
export type Op =
  | { t: 'createDealer'; on: On }
  | { t: 'updateDealer'; on: On; pick: number; synced: boolean }
  | { t: 'deleteDealer'; on: On; pick: number }
  | { t: 'tradeSlugs'; on: On; pick: number; other: number }
  | { t: 'tamperAndPull'; on: On; pick: number; derived: boolean }
  | { t: 'tamper'; kind: 'update' | 'insert' | 'delete'; pick: number; column?: TamperedColumn }
  | { t: 'createPost'; on: On; publish: boolean }
  | { t: 'changePost'; on: On; pick: number; change: PostChange }
  | { t: 'trashPost'; on: On; pick: number }
  | { t: 'restorePost'; on: On; pick: number }
  | { t: 'createCode'; on: On; upper: boolean }
  | { t: 'updateCode'; on: On; pick: number }
  | { t: 'deleteCode'; on: On; pick: number }
  | { t: 'reconcile'; on: On; collection: Synced }
  | { t: 'syncSome'; on: On; collection: Synced; picks: number[] }
  | { t: 'cancelledSync'; collection: Synced; after: number; reset: boolean }
  | { t: 'reset'; collection: Synced }
  | { t: 'check'; collection: Synced }
  | { t: 'down' }
  | { t: 'up' }
  | { t: 'latency'; ms: number }
  | { t: 'fail'; count: number; status: number }
  | { t: 'kill' }
  | BulkOp

const on = fc.constantFrom<On>(0, 1)
const syncedArb = fc.constantFrom<Synced>('dealers', 'posts', 'codes')
const pick = fc.nat(1_000)
const tamperArb = fc.record({
  t: fc.constant('tamper' as const),
  kind: fc.constantFrom<'update' | 'insert' | 'delete'>('update', 'insert', 'delete'),
  pick,
})
/**
 * Under the `'pull'` policy only updates: a row inserted without a document or deleted is recorded
 * as not handled (by design), which only the operator's reconcile would repair — and a final
 * reconcile would hide a lost pull.
 */
const pullTamperArb = fc.record({
  t: fc.constant('tamper' as const),
  kind: fc.constant('update' as const),
  // Often one of the first three dealers: edits of one row in consecutive batches meet its pulls.
  pick: fc.oneof(fc.nat(2), pick),
  column: fc.constantFrom<TamperedColumn>(
    'domain',
    'domain',
    'name',
    'created_at',
    'blankName',
    'domainAndCreatedAt',
  ),
})
const bulkArb: fc.Arbitrary<Op> = fc
  .tuple(
    fc.oneof(
      fc.record({
        t: fc.constant('bulkDealers' as const),
        change: fc.constantFrom<'name' | 'notes' | 'slug' | 'delete'>(
          'name',
          'notes',
          'slug',
          'delete',
        ),
      }),
      fc.record({
        t: fc.constant('bulkPosts' as const),
        change: fc.constantFrom<PostChange | 'trash' | 'restore' | 'delete'>(
          'publish',
          'draft',
          'unpublish',
          'notes',
          'de',
          'internal',
          'public',
          'trash',
          'restore',
          'delete',
        ),
      }),
      fc.record({
        t: fc.constant('bulkCodes' as const),
        change: fc.constantFrom<'label' | 'delete'>('label', 'delete'),
      }),
    ),
    on,
    fc.array(pick, { minLength: 2, maxLength: 6 }),
  )
  .map(([change, on, picks]) => ({ ...change, on, picks }) as BulkOp)
const opArb = (tamperWeight: number, tamper: fc.Arbitrary<Op> = tamperArb): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: fc.constant('createDealer' as const), on }) },
    {
      weight: 6,
      arbitrary: fc.record({
        t: fc.constant('updateDealer' as const),
        on,
        pick,
        synced: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('deleteDealer' as const), on, pick }) },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('tradeSlugs' as const), on, pick, other: pick }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('tamperAndPull' as const),
        on,
        pick,
        derived: fc.boolean(),
      }),
    },
    { weight: tamperWeight, arbitrary: tamper },
    {
      weight: 3,
      arbitrary: fc.record({ t: fc.constant('createPost' as const), on, publish: fc.boolean() }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        t: fc.constant('changePost' as const),
        on,
        pick,
        change: fc.constantFrom<PostChange>(
          'publish',
          'draft',
          'unpublish',
          'notes',
          'de',
          'internal',
          'public',
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('trashPost' as const), on, pick }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('restorePost' as const), on, pick }) },
    {
      weight: 2,
      arbitrary: fc.record({ t: fc.constant('createCode' as const), on, upper: fc.boolean() }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('updateCode' as const), on, pick }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('deleteCode' as const), on, pick }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('reconcile' as const),
        on,
        collection: syncedArb,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('syncSome' as const),
        on,
        collection: syncedArb,
        picks: fc.array(pick, { minLength: 1, maxLength: 8 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('cancelledSync' as const),
        collection: syncedArb,
        // Documents read before the cancel: 0 cancels before the first page.
        after: fc.constantFrom(0, 1, 5, 12),
        // A reset cancelled after its last page must stop before it deletes.
        reset: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('reset' as const), collection: syncedArb }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('check' as const), collection: syncedArb }),
    },
    { weight: 1, arbitrary: fc.constant({ t: 'down' as const }) },
    { weight: 1, arbitrary: fc.constant({ t: 'up' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('latency' as const), ms: fc.constantFrom(0, 5, 30) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('fail' as const),
        count: fc.integer({ min: 1, max: 4 }),
        // The platform's refusals (402 restricted, 540 paused) and a CDN's HTML page (522) too.
        status: fc.constantFrom(500, 503, 429, 402, 540, 522),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ t: 'kill' as const }) },
    { weight: 6, arbitrary: bulkArb },
  )
/** Both instances' realtime watch for the whole case: on (`revert`), on with dealers on `pull`, or off. */
export type Watch = 'revert' | 'pull' | 'off'
export interface Case {
  watch: Watch
  /** The operations of a batch run at once. */
  batches: Op[][]
}
const batchesArb = (ops: fc.Arbitrary<Op>) =>
  fc.array(fc.array(ops, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 })
/**
 * A quarter of the cases run without the watch, with direct writes three times as likely: the marks
 * they leave meet the saves' deliveries (a conflict each) rather than the watch's reverts (a catch).
 * A quarter run with the `'pull'` policy, direct updates six times as likely: both sides must converge
 * with no reconcile at the end, the watch taking every edit in (or writing back what it cannot take).
 */
export const caseArb: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ watch: fc.constant('revert' as const), batches: batchesArb(opArb(2)) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ watch: fc.constant('off' as const), batches: batchesArb(opArb(6)) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      watch: fc.constant('pull' as const),
      batches: batchesArb(opArb(12, pullTamperArb)),
    }),
  },
)
