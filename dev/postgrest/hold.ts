/**
 * The hold fault: parks requests so that a test can interleave them in the order it wants instead of
 * racing timers. What becomes of a parked request whose client gives up is PostgREST's behaviour by
 * default: it is served at release (PostgREST never cancels a request's statement when its client
 * disconnects — PostgREST/postgrest issues 699 and 3517, reproduced in 2352 — so the write commits
 * though nobody reads the answer); `whenGone: 'drop'` stands for a request lost before PostgREST.
 */

/** A parked request whose client disconnected: served at release (PostgREST) or dropped. */
export type WhenGone = 'serve' | 'drop'

export interface HoldOptions {
  /** Only requests on this resource are held: a table name (`dealers`) or `rpc/<fn>`. */
  path?: string
  /** Only requests with this HTTP method (`POST`, `GET`, ...). */
  method?: string
  /** How many matching requests to hold (default 1); later ones pass. */
  count?: number
  /**
   * Handle the request (the write is committed) and hold its response instead: the client waits
   * for an answer to a change that has already landed.
   */
  afterHandling?: boolean
  /**
   * A held request whose client gives up meanwhile (a timeout, an abort, `down()`): `'serve'` (the
   * default) serves it at release though nobody waits for the answer, as PostgREST runs a request
   * it has received — a late write; `'drop'` drops it, never served, as a request lost on the way
   * before it reached PostgREST.
   */
  whenGone?: WhenGone
}

export interface HoldHandle {
  /**
   * Resolves when the first matching request is being held: before it is handled (nothing written
   * yet), or with `afterHandling`, once it has been handled (committed) and its response waits.
   */
  arrived: Promise<void>
  /** Requests held right now (with `whenGone: 'drop'`, one whose client disconnects is no longer held). */
  held(): number
  /** Lets every held request go on, and ends the hold: matching requests that come later pass. */
  release(): void
  /**
   * Resolves when a held request has been handled after its release (its write committed or
   * refused), whether or not its client still waits for the answer.
   */
  handled: Promise<void>
}

/** One hold() call: its requests, parked until release. */
export class HoldGroup {
  readonly arrived: Promise<void>
  private markArrived!: () => void
  private readonly parked = new Set<() => void>()
  released = false
  readonly handled: Promise<void>
  /** Called by the server once a request of this group has been handled after its release. */
  markHandled!: () => void

  constructor(
    readonly afterHandling: boolean,
    readonly whenGone: WhenGone = 'serve',
  ) {
    this.arrived = new Promise((resolve) => {
      this.markArrived = resolve
    })
    this.handled = new Promise((resolve) => {
      this.markHandled = resolve
    })
  }

  /**
   * Parks a request until release; `onGone` hands over what to call when its client disconnects.
   * Resolves true when released, false when the request was dropped first (`whenGone: 'drop'`).
   */
  park(onGone: (gone: () => void) => void): Promise<boolean> {
    if (this.released) return Promise.resolve(true)
    return new Promise((resolve) => {
      const release = (): void => {
        this.parked.delete(release)
        resolve(true)
      }
      this.parked.add(release)
      this.markArrived()
      onGone(() => {
        // Served: an abandoned request waits for its release like any other (a late write).
        if (this.whenGone === 'serve') return
        if (!this.parked.delete(release)) return
        resolve(false)
      })
    })
  }

  held(): number {
    return this.parked.size
  }

  release(): void {
    this.released = true
    for (const release of [...this.parked]) release()
  }
}
