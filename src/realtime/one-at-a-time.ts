/**
 * A task per key that runs one at a time: a request while it runs is coalesced into one more run
 * after it — not dropped (the running one may have started too early to see what the request is
 * about), and not one each (a burst of requests would otherwise start as many runs at once).
 */
export class OneAtATime {
  /** Keys whose task runs now: true when another run was asked for meanwhile. */
  private readonly running = new Map<string, boolean>()

  /** `enabled` is asked before a coalesced run starts (false once the owner stopped). */
  constructor(private readonly enabled: () => boolean = () => true) {}

  request(key: string, run: () => Promise<void>): void {
    if (this.running.has(key)) {
      this.running.set(key, true)
      return
    }
    this.running.set(key, false)
    void run()
      .catch(() => {})
      .finally(() => {
        const again = this.running.get(key)
        this.running.delete(key)
        if (again && this.enabled()) this.request(key, run)
      })
  }
}
