// What the SDK would never send: raw lines to `cairn mcp`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, RawServer } from './support.js';

let daemon;

before(async () => {
  daemon = new Daemon();
  await daemon.start();
});

after(async () => {
  await daemon?.remove();
});

test('a request before initialize is an error, and initialize then works', async () => {
  const s = new RawServer(daemon);
  const early = await s.request(1, 'tools/list', {});
  assert.equal(early.id, 1);
  assert.match(early.error.message, /not initialized/);
  const pong = await s.request(2, 'ping', {});
  assert.deepEqual(pong.result, {});
  const init = await s.initialize();
  assert.equal(init.result.protocolVersion, '2025-06-18');
  const list = await s.request(3, 'tools/list', {});
  assert.ok(list.result.tools.length > 10);
  s.proc.stdin.end();
  assert.equal(await s.exit, 0);
});

test('an unsupported protocol version is answered with the latest one', async () => {
  const s = new RawServer(daemon);
  const r = await s.request(1, 'initialize', { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 'x', version: '1' } });
  assert.equal(r.result.protocolVersion, '2025-11-25');
  s.proc.stdin.end();
  assert.equal(await s.exit, 0);
});

test('malformed, huge and unknown messages get errors and the server keeps serving', async () => {
  const s = new RawServer(daemon);
  await s.initialize();
  s.send('{"jsonrpc": "2.0", "id": 5, "method": ');
  let r = await s.next();
  assert.equal(r.error.code, -32700);
  assert.equal(r.id, null);
  s.send('x'.repeat(5 * 1024 * 1024));
  r = await s.next();
  assert.equal(r.error.code, -32600);
  assert.match(r.error.message, /4 MiB/);
  r = await s.request(6, 'no/such/method', {});
  assert.equal(r.error.code, -32601);
  s.send('[{"jsonrpc":"2.0","id":7,"method":"ping"}]');
  r = await s.next();
  assert.equal(r.error.code, -32600);
  s.send('{"id":8,"method":"ping"}');
  r = await s.next();
  assert.equal(r.error.code, -32600);
  r = await s.request(9, 'tools/call', { name: 'create_task', arguments: { title: 'x', bogus: 1 } });
  assert.equal(r.error.code, -32602);
  r = await s.request(10, 'resources/read', {});
  assert.equal(r.error.code, -32602);
  r = await s.request(11, 'ping', {});
  assert.deepEqual(r.result, {});
  s.proc.stdin.end();
  assert.equal(await s.exit, 0);
});

test('stdout carries nothing but protocol messages, even when the daemon is absent', async () => {
  const gone = new Daemon();  // never started: the socket answers nothing
  const s = new RawServer(gone);
  await s.initialize();
  const r = await s.request(1, 'tools/call', { name: 'list_ready_tasks', arguments: {} });
  assert.equal(r.result.isError, true);
  assert.match(r.result.content[0].text, /daemon unavailable/);
  s.proc.stdin.end();
  assert.equal(await s.exit, 0);
  assert.equal(s.lines.length, 0);
  await gone.remove();
});
