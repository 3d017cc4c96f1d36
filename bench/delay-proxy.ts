/**
 * A TCP proxy that holds every chunk for a fixed time in each direction: a database on another
 * machine, for benches on one (a loopback round trip takes microseconds, a network one from
 * ~0.2 ms in one rack to several across zones). Each direction keeps its order; a chunk leaves
 * `--delay-ms` after it arrived (Node's timers: 1 ms at the least, so the round trip is at
 * least 2 ms).
 *
 *   node --import tsx bench/delay-proxy.ts --listen 15432 --target 127.0.0.1:5432 --delay-ms 1
 *   npm run bench -- --postgres postgres://postgres@127.0.0.1:15432/test …
 *
 * Run it beside the bench, not in it: its CPU is then its own process's, not the bench client's.
 */
import { connect, createServer, type Socket } from 'node:net';
import { arg, countArg } from './peers.js';

const LISTEN = countArg('listen', 15432);
const TARGET = /^(.+):(\d+)$/.exec(arg('target', '127.0.0.1:5432'));
const DELAY_MS = Number(arg('delay-ms', '1'));
if (!Number.isInteger(LISTEN) || LISTEN < 1 || LISTEN > 65535 || !TARGET || !(DELAY_MS >= 0)) {
  console.error('usage: delay-proxy.ts --listen PORT --target HOST:PORT --delay-ms MS (MS ≥ 0; defaults 15432, 127.0.0.1:5432, 1)');
  process.exit(2);
}
const [, HOST, PORT] = TARGET;

/** Forwards what `from` sends to `to`, each chunk `DELAY_MS` after it arrived, in order. */
function delayed(from: Socket, to: Socket): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0].due <= now) to.write(queue.shift()!.chunk);
    if (queue.length) timer = setTimeout(flush, queue[0].due - now);
  };
  from.on('data', (chunk) => {
    queue.push({ due: performance.now() + DELAY_MS, chunk });
    timer ??= setTimeout(flush, DELAY_MS);
  });
  from.on('close', () => {
    clearTimeout(timer);
    to.destroy();
  });
  from.on('error', () => undefined);
}

createServer((client) => {
  const server = connect(Number(PORT), HOST);
  client.setNoDelay(true);
  server.setNoDelay(true);
  delayed(client, server);
  delayed(server, client);
}).listen(LISTEN, '127.0.0.1', () => console.log(`delay proxy on 127.0.0.1:${LISTEN} → ${HOST}:${PORT}, ${DELAY_MS} ms each way`));
