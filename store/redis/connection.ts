import { Redis } from 'ioredis';

/**
 * Opens a connection with RESP2 replies: ioredis defaults to RESP3 with "legacy" mapping, under
 * which a raw XREADGROUP reply arrives flattened; RESP2 keeps stream replies in one known shape.
 */
export function openRedis(url: string, connectionName: string | undefined, opts: { readonly readyCheck?: boolean } = {}): Redis {
  return new Redis(url, {
    protocol: 2,
    ...(connectionName ? { connectionName } : {}),
    // The ready check sends INFO, which a runner's ACL user is not granted (docs/runner-acl.md).
    ...(opts.readyCheck === false ? { enableReadyCheck: false } : {}),
  });
}

/**
 * Connections for blocking reads (XREADGROUP BLOCK), one per reader name, opened on first use so
 * that a blocked read never delays the commands of the shared connection or of another reader.
 */
export class BlockingConnections {
  private readonly open = new Map<string, Redis>();
  private closed = false;

  constructor(private readonly base: Redis) {}

  get(reader: string): Redis {
    if (this.closed) throw new Error('store is closed');
    let conn = this.open.get(reader);
    if (!conn) {
      const name = this.base.options.connectionName;
      conn = this.base.duplicate(name ? { connectionName: `${name}:block` } : {});
      this.open.set(reader, conn);
    }
    return conn;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Drops the sockets at once: QUIT would wait behind a read blocked for up to its BLOCK time. */
  close(): void {
    this.closed = true;
    for (const conn of this.open.values()) conn.disconnect();
    this.open.clear();
  }
}
