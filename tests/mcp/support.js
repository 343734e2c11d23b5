// Test support: a real cairnd on a private socket and data directory, and
// `cairn mcp` driven by the official MCP TypeScript SDK (Client +
// StdioClientTransport). CAIRN_BIN_DIR names the directory holding cairnd and
// cairn (ctest passes the build's bin/).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { pack, unpack } from './msgpack_lite.js';

export const binDir = process.env.CAIRN_BIN_DIR
  ? path.resolve(process.env.CAIRN_BIN_DIR)
  : path.resolve(import.meta.dirname, '../../build/bin');
export const cairn = path.join(binDir, 'cairn');
const cairnd = path.join(binDir, 'cairnd');

function answers(sock) {
  return new Promise((resolve) => {
    const s = net.connect(sock);
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

// A cairnd of the test's own. stop() ends it; start() again reuses its data.
export class Daemon {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-mcp-'));
    this.socket = path.join(this.dir, 'sock');
    this.proc = null;
  }

  async start() {
    this.proc = spawn(cairnd, ['--socket', this.socket, '--data-dir', path.join(this.dir, 'data'),
      '--state-dir', path.join(this.dir, 'state'), '--log-file', path.join(this.dir, 'cairnd.log')],
    { stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    for (let i = 0; i < 200; i++) {
      if (await answers(this.socket)) return;
      if (this.proc.exitCode !== null) break;
      await sleep(50);
    }
    this.proc.kill('SIGKILL');
    await exited;
    throw new Error(`cairnd did not answer on ${this.socket}; log:\n${this.log()}`);
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill('SIGTERM');
    await exited;
  }

  log() {
    try { return fs.readFileSync(path.join(this.dir, 'cairnd.log'), 'utf8').slice(-4000); } catch { return ''; }
  }

  async remove() {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  // Runs the cairn CLI against this daemon (another client than the bridge).
  cli(...args) {
    return JSON.parse(execFileSync(cairn, ['--socket', this.socket, '--no-spawn', '--json', ...args],
      { encoding: 'utf8' }));
  }
}

// Calls `method` on the daemon directly (what no CLI command does: sessions,
// messages, daemon.describe) and resolves with its result.
Daemon.prototype.rpc = function rpc(method, args = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(this.socket);
    let got = Buffer.alloc(0);
    s.on('connect', () => s.write(pack([0, 1, method, [args]])));
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      const m = unpack(got, 0);
      if (!m) return;
      s.destroy();
      const [, , err, result] = m[0];
      if (err) reject(new Error(`${method} failed: ${JSON.stringify(err)}`)); else resolve(result);
    });
    s.on('error', reject);
  });
};

// The arguments that start `cairn mcp` against `daemon` (never another one).
export function mcpArgs(daemon) {
  return ['--socket', daemon.socket, '--no-spawn', 'mcp'];
}

// An initialized SDK client of a fresh `cairn mcp`.
export async function connect(daemon, { protocolVersion } = {}) {
  const transport = new StdioClientTransport({ command: cairn, args: mcpArgs(daemon), stderr: 'pipe' });
  const client = new Client({ name: 'cairn-mcp-tests', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

// The structured result of a tool call that must succeed.
export async function call(client, name, args = {}) {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name} failed: ${r.content[0].text}`);
  return r;
}

// A raw `cairn mcp` process for what the SDK would never send: write lines,
// read replies one line at a time.
export class RawServer {
  constructor(daemon) {
    this.proc = spawn(cairn, mcpArgs(daemon), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.lines = [];
    this.waiters = [];
    let buf = '';
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const w = this.waiters.shift();
        if (w) w(line); else this.lines.push(line);
      }
    });
    this.exit = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }

  send(text) { this.proc.stdin.write(text + '\n'); }

  // The next line on stdout, parsed (fails after 10 s).
  next() {
    if (this.lines.length) return Promise.resolve(JSON.parse(this.lines.shift()));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no reply within 10 s')), 10000);
      this.waiters.push((line) => { clearTimeout(t); resolve(JSON.parse(line)); });
    });
  }

  async request(id, method, params) {
    this.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return this.next();
  }

  async initialize() {
    const r = await this.request(0, 'initialize', {
      protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' },
    });
    this.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    return r;
  }
}
