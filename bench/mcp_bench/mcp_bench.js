#!/usr/bin/env node
// mcp_bench: the same memory workload through `cairn mcp` and through the
// reference MCP memory server (@modelcontextprotocol/server-memory), both
// driven by the official SDK client, measured in the same run:
//   - writes/s, one tool call at a time, as the memory grows to each size
//     (a window of single-item calls at each size; the memory is filled between
//     windows in bulk: server-memory's create_entities with 1,000 entities a
//     call, cairn with knowledge.create on 4 direct connections);
//   - search latency at each size (20 queries for a word of one stored item);
//   - two agents writing at once to one memory: acknowledged writes kept;
//   - a tool call round trip through `cairn mcp` (p50, p99) against the same
//     method called directly on cairnd's socket.
// Usage: node bench/mcp_bench/mcp_bench.js   (after npm ci in bench/mcp_bench
// and a build; CAIRN_BIN_DIR overrides build/bin; MCP_BENCH_SIZES=1000,10000
// picks the sizes, default 1000,10000,100000; MCP_BENCH_AGENT_WRITES=300).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
// The tests' minimal msgpack (tests/mcp/msgpack_lite.js) for the direct baseline.
import { pack, unpack } from '../../tests/mcp/msgpack_lite.js';

const here = import.meta.dirname;
const binDir = path.resolve(process.env.CAIRN_BIN_DIR ?? path.join(here, '../../build/bin'));
const cairn = path.join(binDir, 'cairn');
const cairnd = path.join(binDir, 'cairnd');
const memoryServer = path.join(here, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');
const sizes = (process.env.MCP_BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const agentWrites = Number(process.env.MCP_BENCH_AGENT_WRITES ?? 300);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-bench-'));

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const ms = (x) => x.toFixed(x < 1 ? 3 : x < 10 ? 2 : 1);
const now = () => performance.now();

// --- cairnd and direct calls

async function startDaemon(name) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const socket = path.join(dir, 'sock');
  const proc = spawn(cairnd, ['--socket', socket, '--data-dir', path.join(dir, 'data'), '--state-dir',
    path.join(dir, 'state'), '--log-file', path.join(dir, 'cairnd.log')], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    if (await new Promise((r) => { const s = net.connect(socket); s.on('connect', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); })) {
      return { socket, proc, stop: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM'); }) };
    }
    await sleep(50);
  }
  throw new Error('cairnd did not start');
}

// One msgpack-RPC connection to cairnd, one call at a time.
class Direct {
  static async open(socket) {
    const d = new Direct();
    d.sock = net.connect(socket);
    d.buf = Buffer.alloc(0);
    d.id = 0;
    d.sock.on('data', (chunk) => {
      d.buf = d.buf.length ? Buffer.concat([d.buf, chunk]) : chunk;
      for (;;) {
        const m = unpack(d.buf, 0);
        if (!m) return;
        d.buf = d.buf.subarray(m[1]);
        const [type, , err, result] = m[0];
        if (type === 1 && d.pending) {
          const p = d.pending; d.pending = null;
          if (err) p.reject(new Error(String(err[1] ?? err))); else p.resolve(result);
        }
      }
    });
    await new Promise((r, j) => { d.sock.once('connect', r); d.sock.once('error', j); });
    return d;
  }
  call(method, args) {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.sock.write(pack([0, ++this.id, method, [args]]));
    });
  }
  close() { this.sock.destroy(); }
}

async function sdkClient(command, args, env = {}) {
  const transport = new StdioClientTransport({ command, args, env: { ...process.env, ...env }, stderr: 'ignore' });
  const client = new Client({ name: 'mcp-bench', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function tool(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}: ${r.content[0].text}`);
  return r;
}

const text = (tag, i) => `observation ${i} about w${tag}x${i} with words alpha beta gamma delta`;

// --- the two systems, behind one shape

function cairnSystem(daemon) {
  return {
    name: 'cairn mcp',
    connect: () => sdkClient(cairn, ['--socket', daemon.socket, '--no-spawn', 'mcp']),
    write: (c, tag, i) => tool(c, 'remember', { title: `note ${tag}${i}`, content: text(tag, i), tags: [tag] }),
    search: async (c, word) => (await tool(c, 'recall', { query: word, kinds: ['knowledge'], limit: 10 })).structuredContent.results.length,
    async fill(tag, from, to) {
      const conns = await Promise.all([0, 1, 2, 3].map(() => Direct.open(daemon.socket)));
      let next = from;
      await Promise.all(conns.map(async (d) => {
        while (next < to) {
          const i = next++;
          await d.call('knowledge.create', { source_type: 'agent', knowledge_type: 'note', title: `note ${tag}${i}`, content: text(tag, i), tags: [tag] });
        }
      }));
      conns.forEach((d) => d.close());
    },
    async count(tag) {
      const d = await Direct.open(daemon.socket);
      let n = 0;
      for (let offset = 0; ; offset += 10000) {
        const r = await d.call('knowledge.list', { tag, limit: 10000, offset });
        n += r.items.length;
        if (r.items.length < 10000) break;
      }
      d.close();
      return n;
    },
  };
}

function memorySystem(file) {
  return {
    name: 'server-memory',
    connect: () => sdkClient(process.execPath, [memoryServer], { MEMORY_FILE_PATH: file }),
    write: (c, tag, i) => tool(c, 'create_entities', { entities: [{ name: `note ${tag}${i}`, entityType: 'note', observations: [text(tag, i)] }] }),
    search: async (c, word) => {
      const r = await tool(c, 'search_nodes', { query: word });
      return (r.structuredContent ?? JSON.parse(r.content[0].text)).entities.length;
    },
    async fill(tag, from, to, client) {
      for (let i = from; i < to; i += 1000) {
        const entities = [];
        for (let j = i; j < Math.min(to, i + 1000); j++) entities.push({ name: `note ${tag}${j}`, entityType: 'note', observations: [text(tag, j)] });
        await tool(client, 'create_entities', { entities });
      }
    },
    async count(tag) {
      const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes(`"note ${tag}`));
      return lines.length;
    },
  };
}

// --- growth: writes/s and search latency at each size

async function growth(sys) {
  const c = await sys.connect();
  const rows = [];
  let n = 0;
  for (const size of sizes) {
    const window = size >= 100000 ? 50 : 200;
    await sys.fill('g', n, size - window, c);
    n = size - window;
    const t0 = now();
    for (; n < size; n++) await sys.write(c, 'g', n);
    const writesPerS = window / ((now() - t0) / 1000);
    // cairn indexes in the background: wait until the last item is found.
    const t1 = now();
    while ((await sys.search(c, `wgx${size - 1}`)) === 0) {
      if (now() - t1 > 300000) throw new Error(`${sys.name}: item ${size - 1} never found`);
      await sleep(100);
    }
    const lagMs = now() - t1;
    const lat = [];
    let found = 0;
    for (let q = 0; q < 20; q++) {
      const i = Math.floor((q * 7919) % size);
      const s0 = now();
      found += (await sys.search(c, `wgx${i}`)) > 0 ? 1 : 0;
      lat.push(now() - s0);
    }
    rows.push({ size, window, writesPerS, searchP50: pct(lat, 0.5), searchMax: Math.max(...lat), found, lagMs });
    console.error(`  ${sys.name} at ${size}: ${writesPerS.toFixed(0)} writes/s, search p50 ${ms(pct(lat, 0.5))} ms, ${found}/20 found`);
  }
  await c.close();
  return rows;
}

// --- two agents writing at once to one memory

async function twoAgents(sys) {
  const [a, b] = await Promise.all([sys.connect(), sys.connect()]);
  let acked = { A: 0, B: 0 };
  await Promise.all([[a, 'A'], [b, 'B']].map(async ([c, tag]) => {
    for (let i = 0; i < agentWrites; i++) {
      try { await sys.write(c, tag, i); acked[tag]++; } catch { /* not acknowledged */ }
    }
  }));
  await a.close(); await b.close();
  const kept = (await sys.count('A')) + (await sys.count('B'));
  return { acked: acked.A + acked.B, kept };
}

// --- round trip through cairn mcp against a direct call

async function roundTrip(daemon) {
  const c = await sdkClient(cairn, ['--socket', daemon.socket, '--no-spawn', 'mcp']);
  const d = await Direct.open(daemon.socket);
  const measure = async (fn, n = 2000) => {
    for (let i = 0; i < 200; i++) await fn();
    const xs = [];
    for (let i = 0; i < n; i++) { const t = now(); await fn(); xs.push(now() - t); }
    return { p50: pct(xs, 0.5), p99: pct(xs, 0.99) };
  };
  const out = {
    mcpTool: await measure(() => tool(c, 'list_ready_tasks', { limit: 1 })),
    direct: await measure(() => d.call('tasks.ready', { limit: 1 })),
    mcpPing: await measure(() => c.ping()),
    directPing: await measure(() => d.call('daemon.ping', {})),
  };
  d.close();
  await c.close();
  return out;
}

// --- run

const started = new Date();
console.log(`mcp_bench ${started.toISOString()} on ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}`);
console.log(`sizes ${sizes.join(', ')}; two agents x ${agentWrites} writes\n`);

const d1 = await startDaemon('growth');
const cairnRows = await growth(cairnSystem(d1));
await d1.stop();
const memRows = await growth(memorySystem(path.join(work, 'growth.jsonl')));

console.log('| items | cairn mcp writes/s | server-memory writes/s | writes ratio | cairn search p50 ms | server-memory search p50 ms | search time ratio (cairn / server-memory) | cairn index lag ms |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (let i = 0; i < sizes.length; i++) {
  const c = cairnRows[i], m = memRows[i];
  console.log(`| ${c.size} | ${c.writesPerS.toFixed(0)} | ${m.writesPerS.toFixed(0)} | ${(c.writesPerS / m.writesPerS).toFixed(1)}x | ${ms(c.searchP50)} (${c.found}/20) | ${ms(m.searchP50)} (${m.found}/20) | ${(c.searchP50 / m.searchP50).toFixed(2)}x | ${c.lagMs.toFixed(0)} |`);
}

const d2 = await startDaemon('agents');
const ca = await twoAgents(cairnSystem(d2));
await d2.stop();
const ma = await twoAgents(memorySystem(path.join(work, 'agents.jsonl')));
console.log(`\ntwo agents at once, ${agentWrites} writes each: cairn mcp kept ${ca.kept} of ${ca.acked} acknowledged; server-memory kept ${ma.kept} of ${ma.acked} acknowledged`);

const d3 = await startDaemon('rtt');
const rt = await roundTrip(d3);
await d3.stop();
console.log(`\nround trip (2,000 calls after 200 warm-up):`);
console.log(`  tools/call list_ready_tasks through cairn mcp: p50 ${ms(rt.mcpTool.p50)} ms, p99 ${ms(rt.mcpTool.p99)} ms`);
console.log(`  tasks.ready directly on the socket:             p50 ${ms(rt.direct.p50)} ms, p99 ${ms(rt.direct.p99)} ms`);
console.log(`  ratio: p50 ${(rt.mcpTool.p50 / rt.direct.p50).toFixed(1)}x, p99 ${(rt.mcpTool.p99 / rt.direct.p99).toFixed(1)}x`);
console.log(`  MCP ping (bridge only): p50 ${ms(rt.mcpPing.p50)} ms; daemon.ping direct: p50 ${ms(rt.directPing.p50)} ms`);
console.log(`\n${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`);
fs.rmSync(work, { recursive: true, force: true });
