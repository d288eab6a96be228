/**
 * For a convergence case that did not settle: the sync jobs left, and for each dealer among them
 * the rows that hold its id or the slug Payload gives it (a unique value held by another row is
 * what keeps a delivery failing on a conflict), with the documents of those rows.
 */
import type pg from 'pg'
import type { Payload } from 'payload'

export async function jobsLeftReport(payload: Payload, supabase: pg.Pool): Promise<string> {
  const { docs: jobs } = await payload.find({
    collection: 'payload-jobs',
    where: { taskSlug: { equals: 'supabase-sync' } },
    depth: 0,
    limit: 20,
  })
  const lines = [`${jobs.length} sync jobs left: ${JSON.stringify(jobs).slice(0, 4000)}`]
  const dealers = jobs
    .map((job) => job.input as { id?: string; collection?: string })
    .filter((input) => input.collection === 'dealers' && input.id)
  for (const id of new Set(dealers.map((input) => String(input.id)))) {
    const doc = await payload
      .findByID({ collection: 'dealers', id, depth: 0, trash: true } as never)
      .catch(() => null)
    const slug = (doc as { slug?: string } | null)?.slug ?? null
    const { rows } = await supabase.query<{ id: string }>(
      'select id, name, slug, domain, sync_version::text as version from public.dealers where id = $1 or slug = $2',
      [id, slug],
    )
    const { docs: holders } = await payload.find({
      collection: 'dealers',
      where: { id: { in: rows.map((r) => r.id) } },
      depth: 0,
      trash: true,
    } as never)
    lines.push(
      `dealer ${id} (Payload slug ${slug}): rows ${JSON.stringify(rows)}; their documents ${JSON.stringify(
        (holders as Array<{ id: string; slug?: string; deletedAt?: string }>).map((d) => ({
          id: d.id,
          slug: d.slug,
          deletedAt: d.deletedAt,
        })),
      )}`,
    )
  }
  return `${lines.join('\n')}\n`
}
