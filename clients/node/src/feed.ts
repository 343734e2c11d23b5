// The change feed: changes.since paging, and the state a subscription keeps to
// resume after a reconnect (ipc/README.md, events and the change feed).

/** The cursor no database reaches: changes.since answers it with the newest cursor. */
export const NEWEST_CURSOR = Number.MAX_SAFE_INTEGER;

export type Event = Record<string, any> & { topic: string; kind: string; id?: string; cursor?: number };
export type CallFn = (method: string, params: Record<string, unknown>) => Promise<any>;

export interface SinceReply {
  changes: Event[];
  cursor: number;
  has_more: boolean;
  db_id: string;
  fresh_instance: boolean;
}

export function sinceParams(cursor: number, topics?: string[], dbId?: string, limit?: number) {
  const p: Record<string, unknown> = { cursor };
  if (topics && topics.length && !topics.includes("*")) p.topics = topics;
  if (dbId) p.db_id = dbId;
  if (limit) p.limit = limit;
  return p;
}

/**
 * The changes after a cursor, page by page as they are iterated. freshInstance
 * is known once the feed is returned (the first page is fetched first): true when
 * dbId names another database or the cursor was trimmed away, and the caller must
 * re-read everything. cursor is where the iteration has got to.
 */
export class Feed implements AsyncIterable<Event> {
  cursor: number;
  dbId = "";
  freshInstance = false;
  private page?: SinceReply;

  constructor(private call: CallFn, cursor: number, private topics?: string[], private limit?: number) {
    this.cursor = cursor;
  }

  async start(dbId?: string): Promise<this> {
    this.page = await this.fetch(dbId);
    this.freshInstance = this.page.fresh_instance;
    if (this.freshInstance) this.cursor = this.page.cursor;
    return this;
  }

  private async fetch(dbId?: string): Promise<SinceReply> {
    const page = await this.call("changes.since", sinceParams(this.cursor, this.topics, dbId, this.limit));
    this.dbId = page.db_id;
    return page;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Event> {
    let page = this.page;
    while (page) {
      for (const change of page.changes) {
        this.cursor = change.cursor!;
        yield change;
      }
      this.cursor = page.cursor;
      page = page.has_more ? await this.fetch(this.dbId) : undefined;
    }
    this.page = { changes: [], cursor: this.cursor, has_more: false, db_id: this.dbId, fresh_instance: false };
  }
}

/**
 * What a subscription has seen: the last cursor and the database's id. After a
 * (re)subscribe, catchUp replays the changes missed meanwhile (marked replayed:
 * true); live events at or before the replayed cursor are dropped as duplicates.
 * A replaced database queues a fresh_instance notice.
 */
export class FeedState {
  replayedThrough = 0;
  freshInstance = false;
  readonly queue: Event[] = [];

  constructor(private topics: string[], public cursor: number | undefined, public dbId: string | undefined) {}

  async catchUp(call: CallFn): Promise<void> {
    if (this.cursor === undefined) {  // from now: learn the newest cursor and the db_id
      const r: SinceReply = await call("changes.since", { cursor: NEWEST_CURSOR });
      this.cursor = r.cursor;
      this.dbId = r.db_id;
      // Events committed between the subscribe and this reply come live, not replayed.
      this.replayedThrough = 0;
      return;
    }
    for (;;) {
      const r: SinceReply = await call("changes.since", sinceParams(this.cursor, this.topics, this.dbId));
      if (r.fresh_instance) {
        this.fresh(r.db_id, r.cursor);
        return;
      }
      for (const change of r.changes) this.queue.push({ ...change, replayed: true });
      this.cursor = r.cursor;
      this.dbId = r.db_id;
      this.replayedThrough = r.cursor;
      if (!r.has_more) return;
    }
  }

  private fresh(dbId: string, cursor: number) {
    this.freshInstance = true;
    this.queue.push({ topic: "*", kind: "fresh_instance", id: dbId, db_id: dbId,
                      previous_db_id: this.dbId, cursor });
    this.dbId = dbId;
    this.cursor = cursor;
    this.replayedThrough = cursor;
  }

  /** Takes one notification. */
  offer(method: string, params: unknown) {
    if (method !== "event") return;
    for (const event of Array.isArray(params) ? params : [params]) {
      if (!event || typeof event !== "object") continue;
      const cursor: number = event.cursor || 0;
      if (event.topic === "db" && event.kind === "restored") {
        this.queue.push(event);
        this.fresh(event.id, cursor);
        continue;
      }
      if (cursor && cursor <= this.replayedThrough) continue;  // already replayed
      if (cursor && cursor > (this.cursor ?? 0)) this.cursor = cursor;
      this.queue.push(event);
    }
  }
}
