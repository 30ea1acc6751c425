import net from 'node:net';

export type ProxyMode = 'pass' | 'pause' | 'refuse';

export interface TcpProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  /**
   * pass: forward both ways. pause: accept and hold every byte (a stalled network or server).
   * refuse: stop listening, so connecting fails with ECONNREFUSED.
   */
  setMode(mode: ProxyMode): Promise<void>;
  /** Reset every open connection (TCP RST), as a failover or a network blip does. */
  reset(): void;
  connections(): number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream?: net.Socket;
  held: Buffer[];
}

/** A TCP proxy in front of a real server whose failures a test controls. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let mode: ProxyMode = 'pass';
  let port = 0;

  const link = (p: Pair) => {
    if (p.upstream) return;
    const up = net.connect(target.port, target.host);
    p.upstream = up;
    up.on('data', (d) => {
      if (mode === 'pass') p.client.write(d);
      // paused: the server's answer is swallowed, as by a black-holed network
    });
    up.on('error', () => p.client.destroy());
    up.on('close', () => p.client.destroy());
    for (const b of p.held.splice(0)) up.write(b);
  };

  const onConnection = (client: net.Socket) => {
    const p: Pair = { client, held: [] };
    pairs.add(p);
    client.on('data', (d) => {
      if (mode === 'pass' && p.upstream) p.upstream.write(d);
      else if (mode === 'pass') p.held.push(d);
      // paused: dropped
    });
    client.on('error', () => p.upstream?.destroy());
    client.on('close', () => {
      p.upstream?.destroy();
      pairs.delete(p);
    });
    if (mode === 'pass') link(p);
  };
  // a closed net.Server cannot listen again before its last connection ends: a fresh one each time
  let server = net.createServer(onConnection);

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (!server.listening) server = net.createServer(onConnection);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();

  return {
    get port() {
      return port;
    },
    rewrite(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async setMode(next) {
      const prev = mode;
      mode = next;
      if (next === 'refuse' && prev !== 'refuse') server.close(); // stops accepting now; open connections live on
      if (next !== 'refuse' && prev === 'refuse') await listen();
      if (next === 'pass') for (const p of pairs) link(p);
    },
    reset() {
      for (const p of pairs) {
        p.client.resetAndDestroy();
        p.upstream?.resetAndDestroy();
      }
      pairs.clear();
    },
    connections: () => pairs.size,
    async close() {
      mode = 'refuse';
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      if (server.listening) server.close();
    },
  };
}
