// The Promise client: requests are pipelined on one connection and replies
// matched by msgid (ipc/README.md): [0, msgid, method, [params]] out,
// [1, msgid, error, result] and [2, method, params] in, with no length prefix.
import * as net from "node:net";
import { decodeMultiStream, encode } from "@msgpack/msgpack";
import { spawnDaemon, defaultSocketPath } from "./daemon";
import { CairnError, MethodNotFoundError, TooLargeError, UnavailableError, errorFromWire } from "./errors";
import { Event, Feed, FeedState } from "./feed";
import { buildApi } from "./api";
import type { Api, MethodName, Params } from "./generated";

export const MAX_MESSAGE = 8 * 1024 * 1024;

export interface ClientOptions {
  /** Default: as the CLI finds it ($CAIRN_SOCKET, $XDG_RUNTIME_DIR/cairn/cairnd.sock, /tmp/cairn-$UID/). */
  socketPath?: string;
  /** Start cairnd when none answers, as the CLI does. */
  autostart?: boolean;
  /** The cairnd to start (default: $CAIRN_DAEMON, else cairnd on PATH). */
  cairnd?: string;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** Reconnect on the next call after a lost connection (default true). */
  reconnect?: boolean;
  reconnectTimeoutMs?: number;
  startTimeoutMs?: number;
}

type Pending = { resolve: (v: any) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout };

/** One socket: sends requests, matches replies by msgid, hands notifications on. */
export class Connection {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  broken?: CairnError;
  onNotification: (method: string, params: unknown) => void = () => {};
  onClose: () => void = () => {};

  private constructor(private socket: net.Socket, readonly path: string) {
    void this.readLoop();
  }

  static open(path: string, timeoutMs = 2000): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection(path);
      const timer = setTimeout(() => { s.destroy(); reject(new UnavailableError(`no cairnd answers on ${path}: timeout`)); }, timeoutMs);
      s.once("connect", () => {
        clearTimeout(timer);
        s.removeAllListeners("error");
        resolve(new Connection(s, path));
      });
      s.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new UnavailableError(`no cairnd answers on ${path}: ${e.code ?? e.message}`));
      });
    });
  }

  private async readLoop() {
    let error: CairnError = new UnavailableError(`cairnd on ${this.path} closed the connection`);
    this.socket.on("error", (e) => { error = this.broken ?? new UnavailableError(`cairnd on ${this.path} went away: ${e.message}`); });
    try {
      for await (const msg of decodeMultiStream(this.socket) as AsyncIterable<any[]>) {
        if (msg[0] === 1) {
          const p = this.pending.get(msg[1]);
          if (!p) continue;
          this.pending.delete(msg[1]);
          if (p.timer) clearTimeout(p.timer);
          if (msg[2] !== null && msg[2] !== undefined) p.reject(errorFromWire(msg[2]));
          else p.resolve(msg[3]);
        } else if (msg[0] === 2 && msg[1] === "error") {
          // A protocol violation: the daemon says why, then closes.
          error = errorFromWire(Array.isArray(msg[2]) ? msg[2][0] : msg[2]);
          this.broken = error;
        } else if (msg[0] === 2) {
          this.onNotification(msg[1], msg[2]);
        }
      }
    } catch (e: any) {
      if (!this.broken && !(error instanceof CairnError && error.code !== "UNAVAILABLE")) {
        error = new UnavailableError(`cairnd on ${this.path} went away: ${e?.message ?? e}`);
      }
    }
    this.fail(this.broken ?? error);
  }

  private fail(error: CairnError) {
    this.broken = this.broken ?? error;
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(this.broken);
    }
    this.pending.clear();
    this.socket.destroy();
    this.onClose();
  }

  call(method: string, params: Record<string, unknown> | undefined, timeoutMs?: number): Promise<any> {
    if (this.broken) return Promise.reject(this.broken);
    const msgid = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const data = encode([0, msgid, method, [params ?? {}]], { ignoreUndefined: true });
    if (data.byteLength > MAX_MESSAGE) {
      return Promise.reject(new TooLargeError(`a message is at most ${MAX_MESSAGE} bytes; this one is ${data.byteLength} (not sent)`, undefined, 1));
    }
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject };
      if (timeoutMs) {
        p.timer = setTimeout(() => {
          this.pending.delete(msgid);
          reject(new UnavailableError(`no reply within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.pending.set(msgid, p);
      this.socket.write(data);
    });
  }

  close() {
    this.broken = this.broken ?? new UnavailableError("the connection was closed");
    this.socket.destroy();
  }
}

// Methods that only read: repeated once after a reconnect when the connection
// broke under them (a write's outcome would be unknown, so it is never repeated).
const BASE_READS = new Set(["daemon.ping", "daemon.hello", "daemon.status", "daemon.describe", "changes.since"]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A client of cairnd. `const cairn = await Client.connect()`; then
 * `await cairn.call("prefs.get", {category, key})`, or the helpers built from
 * daemon.describe: `await cairn.tasks.create({title})`.
 */
export class Client {
  readonly socketPath: string;
  readonly options: Required<Omit<ClientOptions, "socketPath" | "cairnd">> & { cairnd?: string };
  reconnects = 0;
  private conn?: Connection;
  private connecting?: Promise<Connection>;
  private describeReply?: any;
  private api: Record<string, unknown> = {};

  protected constructor(options: ClientOptions) {
    this.socketPath = options.socketPath ?? defaultSocketPath();
    this.options = {
      autostart: options.autostart ?? false, cairnd: options.cairnd,
      timeoutMs: options.timeoutMs ?? 30000, connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      reconnect: options.reconnect ?? true, reconnectTimeoutMs: options.reconnectTimeoutMs ?? 10000,
      startTimeoutMs: options.startTimeoutMs ?? 5000,
    };
    // Unknown properties are looked up in the helpers from daemon.describe.
    return new Proxy(this, {
      get: (target, prop, receiver) => {
        if (typeof prop === "string" && !(prop in target) && prop in target.api) return target.api[prop];
        return Reflect.get(target, prop, receiver);
      },
    });
  }

  static async connect(options: ClientOptions = {}): Promise<Client & Api> {
    const c = new Client(options);
    c.conn = await c.openConnection();
    await c.loadApi();
    return c as Client & Api;
  }

  /** A new connection to the daemon, starting it first when allowed. */
  async openConnection(): Promise<Connection> {
    try {
      return await Connection.open(this.socketPath, this.options.connectTimeoutMs);
    } catch (e) {
      if (!this.options.autostart) throw e;
    }
    await spawnDaemon(this.socketPath, this.options.cairnd, this.options.startTimeoutMs);
    return Connection.open(this.socketPath, this.options.connectTimeoutMs);
  }

  /** Reconnects, retrying until reconnectTimeoutMs. */
  async waitForDaemon(timeoutMs = this.options.reconnectTimeoutMs): Promise<Connection> {
    const deadline = Date.now() + timeoutMs;
    let pause = 20;
    for (;;) {
      try {
        return await this.openConnection();
      } catch (e) {
        if (!(e instanceof UnavailableError) || Date.now() + pause > deadline) throw e;
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 500);
    }
  }

  private async loadApi() {
    try {
      this.describeReply = await this.conn!.call("daemon.describe", {}, this.options.timeoutMs);
    } catch (e) {
      if (!(e instanceof MethodNotFoundError)) throw e;
      this.describeReply = undefined;
    }
    this.api = this.describeReply ? buildApi(this.describeReply, (m, p) => this.call(m, p)) : {};
  }

  private async connection(): Promise<Connection> {
    if (this.conn && !this.conn.broken) return this.conn;
    if (this.conn && !this.options.reconnect) throw this.conn.broken;
    if (!this.connecting) {  // one reconnect for every caller waiting on it
      this.connecting = (async () => {
        const deadline = Date.now() + this.options.reconnectTimeoutMs;
        for (;;) {
          const conn = await this.waitForDaemon(Math.max(deadline - Date.now(), 0));
          this.conn = conn;
          try {
            await this.loadApi();  // the daemon may be another version now
          } catch (e) {
            // A connection made while a killed daemon's socket is torn down is reset.
            if (e instanceof UnavailableError && Date.now() < deadline) continue;
            throw e;
          }
          this.reconnects++;
          return conn;
        }
      })().finally(() => { this.connecting = undefined; });
    }
    return this.connecting;
  }

  /** Calls method with one map of named arguments. Rejects with the CairnError subclass of its code. */
  call<M extends MethodName>(method: M, params?: Params<M>, timeoutMs?: number): Promise<any>;
  call(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<any>;
  async call(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<any> {
    const timeout = timeoutMs ?? this.options.timeoutMs;
    const deadline = Date.now() + this.options.reconnectTimeoutMs;
    for (;;) {
      const conn = await this.connection();
      try {
        return await conn.call(method, params, timeout);
      } catch (e) {
        // A read is repeated on the next connection (one made while a killed
        // daemon's socket is torn down is reset too); a write never is.
        if (!(e instanceof UnavailableError && this.options.reconnect && conn.broken &&
              this.isRead(method) && Date.now() < deadline)) throw e;
      }
    }
  }

  private isRead(method: string): boolean {
    if (BASE_READS.has(method)) return true;
    return !!this.describeReply?.methods?.some((m: any) => m.name === method && m.kind === "read");
  }

  ping(): Promise<string> { return this.call("daemon.ping"); }

  /** The daemon's daemon.describe reply (reloaded after a reconnect); undefined on a cairnd without it. */
  describe(): any { return this.describeReply; }

  /** The changes after cursor, fetched page by page as they are iterated. */
  changesSince(cursor = 0, opts: { topics?: string[]; dbId?: string; limit?: number } = {}): Promise<Feed> {
    return new Feed((m, p) => this.call(m, p), cursor, opts.topics, opts.limit).start(opts.dbId);
  }

  /**
   * The events on topics (or ["*"]) as an async iterator, on a connection of its
   * own: from now, or from `since` with the missed changes replayed first. It
   * reconnects and resumes after the last cursor; when the database was replaced
   * meanwhile it yields a {kind: "fresh_instance"} notice.
   */
  async subscribe(topics: string[], opts: { since?: number; dbId?: string } = {}): Promise<Subscription> {
    const sub = new Subscription(this, topics, opts.since, opts.dbId);
    await sub.open(false);
    return sub;
  }

  close() {
    this.conn?.close();
  }
}

export class Subscription implements AsyncIterableIterator<Event> {
  readonly state: FeedState;
  reconnects = 0;
  private conn?: Connection;
  private waiter?: () => void;
  private closed = false;

  constructor(private client: Client, readonly topics: string[], since?: number, dbId?: string) {
    this.state = new FeedState(topics, since, dbId);
  }

  get cursor() { return this.state.cursor; }
  get dbId() { return this.state.dbId; }

  async open(again: boolean) {
    if (!again) return this.subscribeOn(await this.client.openConnection());
    const deadline = Date.now() + this.client.options.reconnectTimeoutMs;
    for (;;) {
      try {
        return await this.subscribeOn(await this.client.waitForDaemon(Math.max(deadline - Date.now(), 0)));
      } catch (e) {
        // A connection made while a killed daemon's socket is torn down is reset.
        if (!(e instanceof UnavailableError) || Date.now() >= deadline) throw e;
      }
    }
  }

  private async subscribeOn(conn: Connection) {
    this.conn = conn;
    conn.onNotification = (m, p) => { this.state.offer(m, p); this.wake(); };
    conn.onClose = () => this.wake();
    const timeout = this.client.options.timeoutMs;
    await conn.call("events.subscribe", { topics: this.topics }, timeout);
    await this.state.catchUp((m, p) => conn.call(m, p, timeout));
  }

  private wake() {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The next event, or undefined after timeoutMs. */
  async nextEvent(timeoutMs?: number): Promise<Event | undefined> {
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    for (;;) {
      const event = this.state.queue.shift();
      if (event) return event;
      if (this.closed) return undefined;
      if (this.conn!.broken) {
        if (!this.client.options.reconnect) throw this.conn!.broken;
        await this.open(true);
        this.reconnects++;
        continue;
      }
      const left = deadline === undefined ? undefined : deadline - Date.now();
      if (left !== undefined && left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = left === undefined ? undefined : setTimeout(resolve, left);
        this.waiter = () => { if (timer) clearTimeout(timer); resolve(); };
      });
    }
  }

  async next(): Promise<IteratorResult<Event>> {
    const event = await this.nextEvent();
    return event ? { value: event, done: false } : { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<Event>> {
    this.close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator]() { return this; }

  close() {
    this.closed = true;
    this.conn?.close();
    this.wake();
  }
}
