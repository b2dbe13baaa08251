/**
 * Free loopback ports chosen at runtime, so peer programs (which cannot be told "port 0") can run
 * side by side with other tests. There is a window between closing the probe socket and the
 * program binding the port; the kernel hands out ephemeral ports in sequence, so a collision
 * needs another process to grab that exact port in those milliseconds.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.on('error', reject);
    socket.bind(0, LOOPBACK, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when `port` can be bound on 127.0.0.1 for both UDP and TCP right now. */
export async function isPortFree(port: number): Promise<boolean> {
  const udp = await isUdpFree(port);
  if (!udp) return false;
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.on('error', () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

/**
 * A port free for both UDP and TCP, with the next port free for TCP too: SIP user agents such as
 * baresip listen on both transports at the same port (RFC 3261 §18), and baresip puts SIP over
 * TLS on the port above.
 */
export async function freeSipPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freeUdpPort();
    if (port < 65535 && (await isPortFree(port)) && (await isPortFree(port + 1))) return port;
  }
  throw new Error('no port free for both UDP and TCP on 127.0.0.1');
}

/**
 * `count` consecutive UDP ports starting at an even number, all free a moment ago (RTP uses the
 * even port, RTCP the odd one above it: RFC 3550 §11).
 */
export async function freeUdpRange(count: number): Promise<{ first: number; last: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20_000 + 2 * Math.floor(Math.random() * 10_000);
    let free = true;
    for (let port = first; port < first + count && free; port++) free = await isUdpFree(port);
    if (free) return { first, last: first + count - 1 };
  }
  throw new Error(`no ${count} consecutive free UDP ports on 127.0.0.1`);
}

function isUdpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.on('error', () => resolve(false));
    socket.bind(port, LOOPBACK, () => socket.close(() => resolve(true)));
  });
}
