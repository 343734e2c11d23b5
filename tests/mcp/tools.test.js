// `cairn mcp` tools through the official SDK client against a real cairnd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Daemon, connect, call } from './support.js';

let daemon;
let client;

before(async () => {
  daemon = new Daemon();
  await daemon.start();
  client = await connect(daemon);
});

after(async () => {
  await client?.close();
  await daemon?.remove();
});

// Retries `fn` until it returns something truthy (the indexer works in the background).
async function eventually(fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(100);
  }
}

async function rpcError(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('the call succeeded');
}

const allTools = ['remember', 'recall', 'get_context', 'link', 'related', 'list_ready_tasks',
  'create_task', 'update_task', 'complete_task', 'add_task_dependency', 'start_timer',
  'stop_timer', 'request_approval', 'check_approval', 'notify', 'run_start', 'run_log',
  'run_finish', 'file_feedback', 'track', 'file_status'];

test('initialize negotiates the latest protocol and names the server', () => {
  const info = client.getServerVersion();
  assert.equal(info.name, 'cairn');
  const caps = client.getServerCapabilities();
  assert.ok(caps.tools);
  assert.equal(caps.resources.subscribe, true);
});

test('tools/list lists every tool with a description and input and output schemas', async () => {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), [...allTools].sort());
  for (const t of tools) {
    assert.match(t.name, /^[a-z_]+$/);
    assert.ok(t.description.length > 20, `${t.name} has a description`);
    assert.equal(t.inputSchema.type, 'object');
    assert.equal(t.inputSchema.additionalProperties, false);
    assert.equal(t.outputSchema.type, 'object');
  }
  const create = tools.find((t) => t.name === 'create_task');
  assert.deepEqual(create.inputSchema.required, ['title']);
  assert.equal(create.inputSchema.properties.priority.type, 'integer');
  const recall = tools.find((t) => t.name === 'recall');
  assert.deepEqual(recall.inputSchema.required, ['query']);
});

test('input schemas are the described methods\' parameters, renamed where the tool says so', async () => {
  const described = await daemon.rpc('daemon.describe', {});
  const method = (name) => described.methods.find((m) => m.name === name).params;
  const { tools } = await client.listTools();
  const tool = (name) => tools.find((t) => t.name === name).inputSchema;
  for (const p of ['title', 'priority', 'status', 'due', 'tags', 'depends_on']) {
    assert.deepEqual(tool('create_task').properties[p], method('tasks.create').properties[p], p);
  }
  assert.ok(tool('create_task').properties.priority.maximum, 'limits come along');
  // recall words its query for a model; the rest of the declaration is the method's.
  const { description: ours, ...query } = tool('recall').properties.query;
  const { description: theirs, ...q } = method('search.query').properties.q;
  assert.deepEqual(query, q);
  assert.notEqual(ours, theirs);
  assert.deepEqual(tool('remember').properties.title, method('knowledge.create').properties.title);
  assert.deepEqual(tool('run_log').properties.text.type, method('runs.update').properties.append_logs.type);
  assert.deepEqual(tool('start_timer').properties.task_id, method('time.start').properties.task_id);
  assert.deepEqual(tool('update_task').required, ['id']);
});

test('task tools create, depend, list ready, update and complete tasks', async () => {
  const a = (await call(client, 'create_task', { title: 'write the parser', priority: 5 })).structuredContent;
  const b = (await call(client, 'create_task', { title: 'ship the parser' })).structuredContent;
  assert.equal(a.title, 'write the parser');
  assert.equal(a.status, 'todo');
  const dep = await call(client, 'add_task_dependency', { id: b.id, depends_on: a.id });
  assert.deepEqual(dep.structuredContent.depends_on, [a.id]);
  let ready = (await call(client, 'list_ready_tasks')).structuredContent.tasks.map((t) => t.id);
  assert.ok(ready.includes(a.id) && !ready.includes(b.id), 'b waits for a');
  const upd = await call(client, 'update_task', { id: a.id, status: 'in_progress' });
  assert.equal(upd.structuredContent.status, 'in_progress');
  assert.match(upd.content[0].text, /in_progress/);
  const done = await call(client, 'complete_task', { id: a.id });
  assert.equal(done.structuredContent.status, 'done');
  ready = (await call(client, 'list_ready_tasks')).structuredContent.tasks.map((t) => t.id);
  assert.ok(ready.includes(b.id), 'b is ready once a is done');
});

test('a cycle of dependencies is a tool error carrying CONFLICT, not a protocol error', async () => {
  const a = (await call(client, 'create_task', { title: 'cycle a' })).structuredContent;
  const b = (await call(client, 'create_task', { title: 'cycle b' })).structuredContent;
  await call(client, 'add_task_dependency', { id: a.id, depends_on: b.id });
  const r = await client.callTool({ name: 'add_task_dependency', arguments: { id: b.id, depends_on: a.id } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /^CONFLICT: /);
  assert.equal(r._meta['cairn/error'].code, 'CONFLICT');
});

test('a missing task is a tool error carrying NOT_FOUND', async () => {
  const r = await client.callTool({ name: 'update_task', arguments: { id: 987654, title: 'x' } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /^NOT_FOUND: /);
});

test('remember stores knowledge with links; link and related walk the graph', async () => {
  const a = (await call(client, 'remember', { title: 'Parser uses Pratt precedence', content: 'binding powers in table.c', tags: ['parser'] })).structuredContent;
  const b = (await call(client, 'remember', { title: 'Precedence table lives in table.c', type: 'fact', link_to: [a.id], link_type: 'extends' })).structuredContent;
  assert.equal(b.links.length, 1);
  const c = (await call(client, 'remember', { title: 'Operators are left associative' })).structuredContent;
  const l = await call(client, 'link', { from: c.id, to: a.id, type: 'relates_to' });
  assert.equal(l.structuredContent.from, c.id);
  const rel = await call(client, 'related', { id: a.id });
  const ids = rel.structuredContent.items.map((i) => i.item.id).sort();
  assert.deepEqual(ids, [b.id, c.id].sort());
});

test('recall finds knowledge and tasks as locations with snippets', async () => {
  await call(client, 'remember', { title: 'zebrafish migration plan', content: 'move zebrafish data first' });
  await call(client, 'create_task', { title: 'zebrafish cleanup' });
  const r = await eventually(async () => {
    const res = await call(client, 'recall', { query: 'zebrafish', limit: 10 });
    const kinds = new Set(res.structuredContent.results.map((x) => x.kind));
    return kinds.has('knowledge') && kinds.has('task') ? res : null;
  });
  const task = r.structuredContent.results.find((x) => x.kind === 'task');
  assert.match(task.location, /^cairn:\/\/task\/\d+/);
  assert.match(task.snippet, /zebrafish/);
  assert.match(r.content[0].text, /zebrafish/);
  const only = await call(client, 'recall', { query: 'zebrafish', kinds: ['task'] });
  assert.ok(only.structuredContent.results.every((x) => x.kind === 'task'));
});

test('track, file_status and recall give tracked files as path:line', async () => {
  const dir = fs.mkdtempSync(path.join(daemon.dir, 'proj-'));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'first line\nsecond line has quokka\nthird\n');
  await call(client, 'track', { path: dir });
  const file = path.join(dir, 'notes.txt');
  const st = await eventually(async () => {
    const r = await client.callTool({ name: 'file_status', arguments: { path: file } });
    return !r.isError && r.structuredContent.status === 'ok' ? r : null;
  });
  assert.equal(st.structuredContent.path, file);
  const hit = await eventually(async () => {
    const r = await call(client, 'recall', { query: 'quokka', kinds: ['file'] });
    return r.structuredContent.results[0];
  });
  assert.equal(hit.location, `${file}:2`);
});

test('timer tools start and stop time on a task', async () => {
  const t = (await call(client, 'create_task', { title: 'timed work' })).structuredContent;
  const s = await call(client, 'start_timer', { task_id: t.id, note: 'focus' });
  assert.equal(s.structuredContent.session.task_id, t.id);
  const e = await call(client, 'stop_timer', {});
  assert.equal(e.structuredContent.session.running, false);
  const none = await client.callTool({ name: 'stop_timer', arguments: {} });
  assert.equal(none.isError, true);
});

test('request_approval waits for the decision another client makes', async () => {
  const pending = await call(client, 'request_approval', { action_type: 'deploy', details: { env: 'prod' }, wait_seconds: 0 });
  assert.equal(pending.structuredContent.status, 'pending');
  assert.equal(pending.structuredContent.decided, false);
  assert.match(pending.content[0].text, /check_approval/);
  const id = pending.structuredContent.id;
  daemon.cli('approve', 'yes', id, '--note', 'go');
  const checked = await call(client, 'check_approval', { id });
  assert.equal(checked.structuredContent.status, 'approved');
  assert.match(checked.content[0].text, /approved: go/);

  // A second one decided while the tool call waits.
  const waiting = call(client, 'request_approval', { action_type: 'drop table', wait_seconds: 20 });
  const list = await eventually(async () => {
    const l = daemon.cli('approve', 'ls');
    const rows = l.approvals ?? l;
    return rows.find((a) => a.action_type === 'drop table');
  });
  daemon.cli('approve', 'no', list.id);
  const decided = await waiting;
  assert.equal(decided.structuredContent.status, 'rejected');
  const missing = await client.callTool({ name: 'check_approval', arguments: { id: 'no-such-approval' } });
  assert.equal(missing.isError, true);
  assert.match(missing.content[0].text, /^NOT_FOUND/);
});

test('notify, runs and file feedback record the agent work', async () => {
  const n = await call(client, 'notify', { title: 'build finished', priority: 'high' });
  assert.equal(n.structuredContent.title, 'build finished');
  const run = (await call(client, 'run_start', { instruction: 'fix the flaky test' })).structuredContent;
  assert.equal(run.status, 'running');
  await call(client, 'run_log', { id: run.id, text: 'found the race' });
  const logged = await call(client, 'run_log', { id: run.id, text: 'fixed it' });
  assert.ok(logged.structuredContent.log_bytes >= 'found the race\nfixed it\n'.length);
  const fin = await call(client, 'run_finish', { id: run.id, status: 'succeeded', summary: 'done', files_changed: ['a.c'] });
  assert.equal(fin.structuredContent.status, 'succeeded');
  const again = await client.callTool({ name: 'run_finish', arguments: { id: run.id, status: 'failed' } });
  assert.equal(again.isError, true);
  assert.match(again.content[0].text, /^CONFLICT/);
  const fb = await call(client, 'file_feedback', { path: '/src/none.c' });
  assert.deepEqual(fb.structuredContent.feedback, []);
});

test('get_context gathers a project session, tasks, knowledge and file changes', async () => {
  const project = fs.mkdtempSync(path.join(daemon.dir, 'ctx-'));
  // A session of the project with messages, written by another client.
  await daemon.rpc('sessions.create', { id: 's77', workspace_path: project });
  for (let i = 1; i <= 7; i++) {
    await daemon.rpc('messages.append', { session_id: 's77', role: i % 2 ? 'user' : 'assistant', content: `message ${i}` });
  }
  const t = (await call(client, 'create_task', { title: 'context task' })).structuredContent;
  await call(client, 'update_task', { id: t.id, status: 'in_progress' });
  const r = await call(client, 'get_context', { project, limit: 5 });
  const s = r.structuredContent;
  assert.equal(s.session.id, 's77');
  assert.deepEqual(s.messages.map((m) => m.content), ['message 3', 'message 4', 'message 5', 'message 6', 'message 7']);
  assert.ok(s.in_progress.some((x) => x.id === t.id));
  assert.ok(Array.isArray(s.ready) && Array.isArray(s.knowledge) && Array.isArray(s.file_changes));
  assert.match(r.content[0].text, /in progress:/);
});

test('bad arguments and unknown tools are JSON-RPC errors -32602', async () => {
  for (const name of allTools) {
    const e = await rpcError(client.callTool({ name, arguments: { no_such_argument: 1 } }));
    assert.equal(e.code, -32602, `${name}: ${e.message}`);
    assert.match(e.message, /no_such_argument/);
  }
  let e = await rpcError(client.callTool({ name: 'create_task', arguments: {} }));
  assert.equal(e.code, -32602);
  assert.match(e.message, /title/);
  e = await rpcError(client.callTool({ name: 'create_task', arguments: { title: 7 } }));
  assert.equal(e.code, -32602);
  assert.match(e.message, /title must be/);
  e = await rpcError(client.callTool({ name: 'no_such_tool', arguments: {} }));
  assert.equal(e.code, -32602);
  assert.match(e.message, /unknown tool/);
});

test('a daemon stopped mid-session fails the call as unavailable and the next call reconnects', async () => {
  await daemon.stop();
  const r = await client.callTool({ name: 'list_ready_tasks', arguments: {} });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /daemon unavailable/);
  await daemon.start();
  const again = await call(client, 'list_ready_tasks');
  assert.ok(Array.isArray(again.structuredContent.tasks));
});
