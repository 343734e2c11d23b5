// The Node client against a real cairnd (node --test).
import { test, beforeEach, afterEach } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client, CairnError, NotFoundError, InvalidParamsError, MethodNotFoundError, TooLargeError,
         UnavailableError, errorFromWire, ERRORS_BY_CODE, defaultSocketPath, renderTypes } from "../src/index";
import { Daemon, startDaemon, cairndBinary, describeOf, testEnv } from "./daemon";

let d: Daemon;
beforeEach(async () => { d = await startDaemon(); });
afterEach(async () => { await d.dispose(); });

test("a call takes one map of named arguments and resolves to the result", { timeout: 30000 }, async () => {
  const c = await Client.connect({ socketPath: d.socket });
  assert.equal(await c.ping(), "pong");
  const set = await c.call("prefs.set", { category: "ui", key: "nested", value: { s: "é", n: [1, 2.5, null] } });
  assert.deepEqual(set.value, { s: "é", n: [1, 2.5, null] });
  const many = await Promise.all(Array.from({ length: 50 }, (_, i) => c.call("prefs.set", { category: "p", key: `k${i}`, value: i })));
  assert.deepEqual(many.map((r) => r.value), Array.from({ length: 50 }, (_, i) => i));
  c.close();
});

test("a failed call rejects with the class of its code, carrying code and message", { timeout: 30000 }, async () => {
  const c = await Client.connect({ socketPath: d.socket });
  const cases: [string, Record<string, unknown>, typeof CairnError][] = [
    ["prefs.get", { category: "ui", key: "absent" }, NotFoundError],
    ["prefs.get", { category: "ui", key: "k", typo: 1 }, InvalidParamsError],
    ["no.such_method", {}, MethodNotFoundError],
  ];
  for (const [method, params, cls] of cases) {
    const e = await c.call(method, params).then(() => undefined, (e) => e);
    assert.ok(e instanceof cls && e instanceof CairnError, `${method}: ${e}`);
    assert.equal(e.code, cls.code);
    assert.equal(e.kind, 1);
    assert.ok(e.errorMessage.length > 0 && !e.errorMessage.startsWith(cls.code));
    assert.ok(e.message.startsWith(cls.code + ": "));
  }
  assert.equal(await c.ping(), "pong");
  c.close();
});

test("every error code of the protocol has its class", { timeout: 30000 }, () => {
  for (const code of ["PARSE_ERROR", "INVALID_REQUEST", "METHOD_NOT_FOUND", "INVALID_PARAMS", "NOT_FOUND",
                      "CONFLICT", "TOO_LARGE", "BUSY", "UNAUTHORIZED", "IO_ERROR", "INTERNAL"]) {
    const e = errorFromWire([0, `${code}: what happened`]);
    assert.equal(e.constructor, ERRORS_BY_CODE[code]);
    assert.equal(e.code, code);
    assert.equal(e.errorMessage, "what happened");
  }
  const e = errorFromWire([1, "NEW_CODE: later daemons may add codes"]);
  assert.equal(e.constructor, CairnError);
  assert.equal(e.code, "NEW_CODE");
});

test("a message over the limit is refused before it is sent and the connection stays", { timeout: 30000 }, async () => {
  const c = await Client.connect({ socketPath: d.socket });
  await assert.rejects(c.call("prefs.set", { category: "x", key: "y", value: "x".repeat(8 * 1024 * 1024) }), TooLargeError);
  assert.equal(await c.ping(), "pong");
  assert.equal(c.reconnects, 0);
  c.close();
});

test("calls reconnect after the daemon restarts, and fail without reconnect", { timeout: 30000 }, async () => {
  const c = await Client.connect({ socketPath: d.socket });
  const strict = await Client.connect({ socketPath: d.socket, reconnect: false });
  await c.call("prefs.set", { category: "a", key: "b", value: 1 });
  await d.restart();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await c.ping(), "pong");
  assert.equal(c.reconnects, 1);
  await assert.rejects(strict.ping(), (e: any) => e instanceof UnavailableError && e.code === "UNAVAILABLE");
  c.close();
  strict.close();
});

test("a read in flight is repeated after a reconnect and a write is not", { timeout: 30000 }, async () => {
  const c = await Client.connect({ socketPath: d.socket });
  await c.call("prefs.set", { category: "w", key: "k", value: 1 });
  const restartLater = () => {
    d.proc!.kill("SIGSTOP");  // calls hang until the daemon is killed and started again
    return new Promise((r) => setTimeout(r, 300)).then(() => d.stop("SIGKILL")).then(() => d.start());
  };
  let restarted = restartLater();
  assert.equal(await c.ping(), "pong");
  await restarted;
  assert.ok(c.reconnects >= 1);
  restarted = restartLater();
  await assert.rejects(c.call("prefs.set", { category: "w", key: "k", value: 2 }), UnavailableError);
  await restarted;
  assert.equal((await c.call("prefs.get", { category: "w", key: "k" })).value, 1);
  c.close();
});

test("no daemon and no autostart rejects with Unavailable naming the socket", { timeout: 30000 }, async () => {
  await assert.rejects(Client.connect({ socketPath: path.join(d.home, "nothing.sock") }), /UNAVAILABLE: .*nothing\.sock/);
});

test("the socket is found as the CLI finds it", { timeout: 30000 }, () => {
  assert.equal(defaultSocketPath({ CAIRN_SOCKET: "/x/explicit.sock", XDG_RUNTIME_DIR: "/r" }), "/x/explicit.sock");
  assert.equal(defaultSocketPath({ XDG_RUNTIME_DIR: "/run/user/7" }), "/run/user/7/cairn/cairnd.sock");
  assert.equal(defaultSocketPath({}), `/tmp/cairn-${process.getuid!()}/cairnd.sock`);
});

test("autostart starts one daemon for clients racing to start it", { timeout: 30000 }, async () => {
  const socketPath = path.join(d.home, "auto", "cairnd.sock");
  const saved = { ...process.env };
  Object.assign(process.env, testEnv(path.join(d.home, "auto-home")));  // its data dir stays in home
  try {
    const clients = await Promise.all([1, 2, 3, 4].map(() => Client.connect({ socketPath, autostart: true, cairnd: cairndBinary() })));
    const pids = new Set(await Promise.all(clients.map(async (c) => (await c.call("daemon.status")).pid)));
    assert.equal(pids.size, 1);
    await clients[0].call("daemon.shutdown");
    clients.forEach((c) => c.close());
  } finally {
    process.env = saved;
  }
  await assert.rejects(Client.connect({ socketPath: path.join(d.home, "s2.sock"), autostart: true, cairnd: "/nonexistent/cairnd" }),
                       /no cairnd found/);
});

test("changesSince pages through the changelog and reports a replaced database", { timeout: 30000 }, async () => {
  const c = await Client.connect({ socketPath: d.socket });
  const start = await c.changesSince(0);
  for await (const _ of start) { /* to the end */ }
  for (let i = 0; i < 25; i++) await c.call("prefs.set", { category: "page", key: `k${String(i).padStart(2, "0")}`, value: i });
  const feed = await c.changesSince(start.cursor, { topics: ["prefs"], dbId: start.dbId, limit: 10 });
  assert.equal(feed.freshInstance, false);
  const changes = [];
  for await (const ch of feed) changes.push(ch);
  assert.deepEqual(changes.map((ch) => ch.id), Array.from({ length: 25 }, (_, i) => `page/k${String(i).padStart(2, "0")}`));
  assert.deepEqual(changes.map((ch) => ch.new), Array.from({ length: 25 }, (_, i) => i));
  assert.ok(feed.cursor >= changes[changes.length - 1].cursor!);  // past other topics too
  const other = await c.changesSince(feed.cursor, { dbId: "another-database" });
  assert.equal(other.freshInstance, true);
  assert.equal(other.dbId, start.dbId);
  c.close();
});

test("subscribe yields events from another client and replays from a cursor first", { timeout: 30000 }, async () => {
  const c = await Client.connect({ socketPath: d.socket });
  await c.call("prefs.set", { category: "a", key: "1", value: 1 });
  const head = await c.changesSince(0);
  for await (const _ of head) { /* to the end */ }
  await c.call("prefs.set", { category: "a", key: "2", value: 2 });
  const events = await c.subscribe(["prefs"], { since: head.cursor });
  assert.equal(await events.nextEvent(100).then((e) => e?.id), "a/2");
  assert.equal(await events.nextEvent(100), undefined);
  await c.call("prefs.set", { category: "a", key: "3", value: 3 });
  const live = await events.nextEvent(5000);
  assert.equal(live?.id, "a/3");
  assert.equal(live?.replayed, undefined);
  assert.equal(events.cursor, live?.cursor);
  events.close();
  c.close();
});

test("a subscription resumes after a restart with what it missed, and says fresh_instance for a new database", { timeout: 30000 }, async () => {
  const c = await Client.connect({ socketPath: d.socket });
  const events = await c.subscribe(["prefs"]);
  await c.call("prefs.set", { category: "r", key: "before", value: 1 });
  assert.equal((await events.nextEvent(5000))?.id, "r/before");
  await d.stop("SIGKILL");
  await d.start();
  await new Promise((r) => setTimeout(r, 50));
  await c.call("prefs.set", { category: "r", key: "away", value: 2 });
  const missed = await events.nextEvent(10000);
  assert.equal(missed?.id, "r/away");
  assert.equal(missed?.replayed, true);
  assert.equal(await events.nextEvent(100), undefined);
  const oldDb = events.dbId;
  await d.restart(path.join(d.home, "another-data"));
  await new Promise((r) => setTimeout(r, 50));
  await c.call("prefs.set", { category: "r", key: "elsewhere", value: 3 });
  const notice = await events.nextEvent(10000);
  assert.equal(notice?.kind, "fresh_instance");
  assert.equal(notice?.previous_db_id, oldDb);
  assert.notEqual(notice?.db_id, oldDb);
  await c.call("prefs.set", { category: "r", key: "next", value: 4 });
  assert.equal((await events.nextEvent(5000))?.id, "r/next");
  assert.equal(events.reconnects, 2);
  await c.call("prefs.set", { category: "r", key: "iterated", value: 5 });
  for await (const e of events) {  // the iterator form; break closes the subscription
    assert.equal(e.id, "r/iterated");
    break;
  }
  assert.equal((await events.next()).done, true);
  c.close();
});

test("src/generated.ts is what this tree's cairnd describes", { timeout: 30000 }, async () => {
  const c = await Client.connect({ socketPath: d.socket });
  const { describe, source } = await describeOf(c);
  c.close();
  const committed = fs.readFileSync(path.join(__dirname, "..", "..", "src", "generated.ts"), "utf8");
  assert.equal(committed, renderTypes(describe, source), "src/generated.ts is stale: run npm run generate");
});
