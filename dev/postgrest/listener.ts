/**
 * The node:http server's listening side, which `faults.down()`/`up()` and `close()` drive: it keeps
 * every open connection so that going down cuts them (a client sees ECONNREFUSED, not a server that
 * still answers on a kept-alive socket), and it comes back up on the same port.
 */
import http from 'node:http'
import type net from 'node:net'

export class Listener {
  readonly server = http.createServer()
  private readonly sockets = new Set<net.Socket>()
  private listening = false
  /** Times the server went down: a request that saw it happen died with it. */
  private downCount = 0

  constructor(
    private port: number,
    private readonly host: string,
  ) {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  get isListening(): boolean {
    return this.listening
  }

  /** The port listened on (the free one picked when 0 was asked for, once listening). */
  get boundPort(): number {
    return this.port
  }

  get downs(): number {
    return this.downCount
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error)
      this.server.once('error', onError)
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', onError)
        this.port = (this.server.address() as net.AddressInfo).port
        this.listening = true
        resolve()
      })
    })
  }

  async stop(): Promise<void> {
    if (!this.listening) return
    this.listening = false
    this.downCount++
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()))
    // Keep-alive connections would keep close() waiting (and a client could still send on them).
    for (const socket of this.sockets) socket.destroy()
    this.server.closeAllConnections()
    await done
    // Let clients in this process (tests) see their pooled connections close, so the next request
    // opens a new connection and gets ECONNREFUSED rather than a reset on a stale socket.
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
