import { connect, createServer } from 'node:net';

/**
 * A port for a child process to listen on, for tests that must name the port before the child starts.
 *
 * Chosen below Linux's ephemeral range (32768-60999 by default, /proc/sys/net/ipv4/ip_local_port_range): a port
 * the OS hands out for `listen(0)` is in that range, and so is the local port of every outgoing connection, so
 * on a machine running many suites at once it may be taken again between our check and the child's listen (seen:
 * EADDRINUSE in a clean-clone run). Below the range only another test choosing the same random port can take
 * it, and the check here makes that a retry, not a failure.
 */
const LOW = 20_000;
const HIGH = 32_768;

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await canListen(port, host)) return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH} on ${host} after 50 tries`);
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * What a new TCP connection to an origin (`http://host:port`) meets: 'connected', or the error code (e.g.
 * 'ECONNREFUSED' once a server has stopped accepting). A test of a graceful stop asks this, not an HTTP client,
 * which could reuse a kept-alive connection instead of opening one.
 */
export function newConnectionOutcome(origin: string): Promise<string> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}
