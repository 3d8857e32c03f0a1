/**
 * Runs inside one lab host: answers every UDP datagram with "<host> <payload>" and every TCP
 * connection with "<host>\n", on IPv4 and IPv6, bound to the wildcard so it answers on whatever VIP
 * the host holds right now. A client therefore learns *who* answered, which is what failover tests
 * measure.
 *
 * Usage: node responder.mjs <host> <port> [lifetimeMs]
 * Prints one line `ready <json>` once listening. Exits when stdin closes (its parent died) or after
 * lifetimeMs (default 15 min), so it never outlives the lab for long.
 *
 * UDP replies leave from the host's primary address, not from the VIP (Node cannot pick the source
 * per datagram), so clients must not use connected sockets; the prober does not.
 */
import dgram from 'node:dgram';
import net from 'node:net';

const [host, portText, lifetimeText] = process.argv.slice(2);
const port = Number(portText);
if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('usage: responder <host> <port> [lifetimeMs]\n');
  process.exit(2);
}
const lifetimeMs = Number(lifetimeText ?? 15 * 60_000);

function udp(type: 'udp4' | 'udp6', address: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type, ipv6Only: type === 'udp6' });
  socket.on('message', (msg, from) => {
    socket.send(Buffer.concat([Buffer.from(`${host} `), msg.subarray(0, 512)]), from.port, from.address);
  });
  socket.on('error', (err) => process.stderr.write(`udp ${address}: ${err.message}\n`));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve(socket));
  });
}

function tcp(address: string): Promise<net.Server> {
  const server = net.createServer((conn) => {
    conn.on('error', () => {}); // a client that resets is not our problem
    conn.end(`${host}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: address, ipv6Only: address === '::' }, () => resolve(server));
  });
}

async function main(): Promise<void> {
  await Promise.all([udp('udp4', '0.0.0.0'), udp('udp6', '::'), tcp('0.0.0.0'), tcp('::')]);
  process.stdout.write(`ready ${JSON.stringify({ host, port, pid: process.pid })}\n`);
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
  setTimeout(() => process.exit(0), lifetimeMs).unref();
}

main().catch((err: Error) => {
  process.stderr.write(`responder ${host}: ${err.message}\n`);
  process.exit(1);
});
