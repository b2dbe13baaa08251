/**
 * The even UDP ports of a range (RFC 3550 §11: RTP on an even port, RTCP on the next odd one,
 * which stays free for it). Ports are handed out round-robin so a port just released is the
 * last to be reused, which keeps stray packets of an ended call away from the next one.
 */
export class PortPool {
  private readonly ports: number[] = [];
  private readonly inUse = new Set<number>();
  private cursor = 0;

  constructor(first: number, last: number) {
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last > 65535 || first > last) {
      throw new RangeError(`invalid RTP port range [${first}, ${last}]`);
    }
    for (let p = first + (first % 2); p <= last; p += 2) this.ports.push(p);
    if (this.ports.length === 0) throw new RangeError(`RTP port range [${first}, ${last}] holds no even port`);
  }

  get size(): number {
    return this.ports.length;
  }

  /** The next free port, now in use; undefined when every port is taken. */
  take(): number | undefined {
    for (let tried = 0; tried < this.ports.length; tried++) {
      const port = this.ports[this.cursor];
      this.cursor = (this.cursor + 1) % this.ports.length;
      if (!this.inUse.has(port)) {
        this.inUse.add(port);
        return port;
      }
    }
    return undefined;
  }

  release(port: number): void {
    this.inUse.delete(port);
  }
}
