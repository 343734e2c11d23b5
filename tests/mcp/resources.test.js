// `cairn mcp` resources and subscriptions through the official SDK client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Daemon, connect, call } from './support.js';

let daemon;
let client;
const updates = [];

before(async () => {
  daemon = new Daemon();
  await daemon.start();
  client = await connect(daemon);
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
});

after(async () => {
  await client?.close();
  await daemon?.remove();
});

async function until(fn, ms = 10000) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}

test('resources/list and resources/templates/list name the ready list and the templates', async () => {
  const { resources } = await client.listResources();
  assert.deepEqual(resources.map((r) => r.uri), ['cairn://tasks/ready']);
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), [
    'cairn://task/{id}', 'cairn://session/{id}/messages{?page}', 'cairn://message/{id}',
    'cairn://knowledge/{id}', 'cairn://file{+path}{?start,end}']);
});

test('resources/read returns a task, the ready list, a knowledge item and a session', async () => {
  const t = (await call(client, 'create_task', { title: 'readable task' })).structuredContent;
  const r = await client.readResource({ uri: `cairn://task/${t.id}` });
  assert.equal(r.contents[0].mimeType, 'application/json');
  assert.equal(JSON.parse(r.contents[0].text).title, 'readable task');
  const ready = JSON.parse((await client.readResource({ uri: 'cairn://tasks/ready' })).contents[0].text);
  assert.ok(ready.tasks.some((x) => x.id === t.id));
  const k = (await call(client, 'remember', { title: 'a readable fact' })).structuredContent;
  const kr = JSON.parse((await client.readResource({ uri: `cairn://knowledge/${k.id}` })).contents[0].text);
  assert.equal(kr.title, 'a readable fact');
  await daemon.rpc('sessions.create', { id: 'sess-r', workspace_path: '/p' });
  await daemon.rpc('messages.append', { id: 'msg-r', session_id: 'sess-r', role: 'user', content: 'hello there' });
  const sr = JSON.parse((await client.readResource({ uri: 'cairn://session/sess-r/messages' })).contents[0].text);
  assert.deepEqual(sr.items.map((m) => m.content), ['hello there']);
  const mr = JSON.parse((await client.readResource({ uri: 'cairn://message/msg-r' })).contents[0].text);
  assert.equal(mr.content, 'hello there');
});

test('a tracked file is read by line range', async () => {
  const dir = fs.mkdtempSync(path.join(daemon.dir, 'files-'));
  const file = path.join(dir, 'a.txt');
  fs.writeFileSync(file, 'one\ntwo\nthree\nfour\n');
  daemon.cli('track', dir);
  const uri = `cairn://file${file}?start=2&end=3`;
  let r;
  for (let i = 0; i < 100 && !r; i++) {
    r = await client.readResource({ uri }).catch(() => null);
    if (!r) await sleep(100);
  }
  assert.ok(r, 'the file became readable');
  assert.equal(r.contents[0].text, 'two\nthree\n');
  assert.equal(r.contents[0].mimeType, 'text/plain');
  const untracked = await client.readResource({ uri: `cairn://file${path.join(daemon.dir, 'nope.txt')}` }).catch((e) => e);
  assert.equal(untracked.code, -32002);
});

test('an unknown or missing resource is error -32002', async () => {
  for (const uri of ['cairn://task/999999', 'cairn://nothing/here', 'http://example.com/', 'cairn://knowledge/none']) {
    const e = await client.readResource({ uri }).catch((err) => err);
    assert.equal(e.code, -32002, `${uri}: ${e.message}`);
  }
});

test('a subscribed task sends notifications/resources/updated after another client changes it', async () => {
  const t = (await call(client, 'create_task', { title: 'watched task' })).structuredContent;
  const other = (await call(client, 'create_task', { title: 'unwatched task' })).structuredContent;
  const uri = `cairn://task/${t.id}`;
  await client.subscribeResource({ uri });
  await client.subscribeResource({ uri: 'cairn://tasks/ready' });
  updates.length = 0;
  daemon.cli('task', 'edit', String(other.id), '--title', 'still unwatched');
  await until(() => updates.includes('cairn://tasks/ready'));
  assert.ok(!updates.includes(uri), 'a change to another task is not reported for this one');
  daemon.cli('task', 'edit', String(t.id), '--title', 'watched and changed');
  await until(() => updates.includes(uri));
  const r = JSON.parse((await client.readResource({ uri })).contents[0].text);
  assert.equal(r.title, 'watched and changed');
  await client.unsubscribeResource({ uri });
  updates.length = 0;
  daemon.cli('task', 'edit', String(t.id), '--title', 'after unsubscribe');
  await until(() => updates.includes('cairn://tasks/ready'));
  assert.ok(!updates.includes(uri));
});

test('a subscribed session hears new messages', async () => {
  await daemon.rpc('sessions.create', { id: 'sess-w', workspace_path: '/w' });
  await client.subscribeResource({ uri: 'cairn://session/sess-w/messages' });
  updates.length = 0;
  await daemon.rpc('messages.append', { session_id: 'sess-w', role: 'user', content: 'new' });
  await until(() => updates.includes('cairn://session/sess-w/messages'));
});
