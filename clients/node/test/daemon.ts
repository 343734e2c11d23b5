// A real cairnd for the tests, on a private socket and data directory, from the
// build directory in $CAIRN_BUILD_DIR (default: build/ at the top of the tree).
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { answers } from "../src/daemon";

export const ROOT = path.resolve(__dirname, "..", "..", "..", "..");

export function cairndBinary(): string {
  const build = process.env.CAIRN_BUILD_DIR || path.join(ROOT, "build");
  for (const c of [path.join(build, "bin", "cairnd"), path.join(build, "cairnd")]) {
    if (fs.existsSync(c)) return c;
  }
  throw new Error(`no cairnd in ${build}/bin: build it (scripts/build.sh) or set CAIRN_BUILD_DIR`);
}

export class Daemon {
  readonly socket: string;
  dataDir: string;
  proc?: ChildProcess;

  constructor(readonly home: string) {
    this.socket = path.join(home, "run", "cairnd.sock");
    this.dataDir = path.join(home, "data");
  }

  async start(dataDir?: string) {
    if (dataDir) this.dataDir = dataDir;
    fs.mkdirSync(path.dirname(this.socket), { recursive: true, mode: 0o700 });
    this.proc = spawn(cairndBinary(), ["--socket", this.socket, "--data-dir", this.dataDir,
      "--state-dir", path.join(this.home, "state"), "--log-file", path.join(this.home, "cairnd.log")],
      { stdio: "ignore", env: testEnv(this.home) });
    const deadline = Date.now() + 10000;
    while (!(await answers(this.socket))) {
      if (this.proc.exitCode !== null || Date.now() > deadline) throw new Error("cairnd did not start");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(signal: NodeJS.Signals = "SIGTERM") {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill(signal);
    await exited;
  }

  async restart(dataDir?: string) {
    await this.stop();
    await this.start(dataDir);
  }

  async dispose() {
    await this.stop();
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

/** The environment for a daemon (or client) whose defaults stay inside home. */
export function testEnv(home: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CAIRN_SOCKET;
  for (const v of ["XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"]) {
    env[v] = path.join(home, v.toLowerCase());
  }
  return env;
}

export async function startDaemon(): Promise<Daemon> {
  const d = new Daemon(fs.mkdtempSync(path.join(os.tmpdir(), "cairn-node.")));
  await d.start();
  return d;
}

/** The describe reply, or, from a cairnd without daemon.describe, the names daemon.hello lists. */
export async function describeOf(client: any): Promise<{ describe: any; source: string }> {
  const d = client.describe();
  if (d) return { describe: d, source: "daemon.describe" };
  const hello = await client.call("daemon.hello");
  return {
    describe: { protocol: hello.protocol, methods: hello.methods.map((name: string) => ({ name })) },
    source: "daemon.hello (a cairnd without daemon.describe: names only)",
  };
}
