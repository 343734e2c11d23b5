// Finding cairnd's socket and starting cairnd, as the cairn CLI does
// (base/paths.cc default_socket_path, clients/cli/spawn.cc).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { UnavailableError } from "./errors";

/** $CAIRN_SOCKET, else $XDG_RUNTIME_DIR/cairn/cairnd.sock, else /tmp/cairn-$UID/cairnd.sock. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAIRN_SOCKET) return env.CAIRN_SOCKET;
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, "cairn", "cairnd.sock");
  return `/tmp/cairn-${process.getuid!()}/cairnd.sock`;
}

/** The cairnd program: the argument, else $CAIRN_DAEMON, else cairnd on PATH. */
export function findCairnd(cairnd?: string): string | undefined {
  const exe = cairnd || process.env.CAIRN_DAEMON || "cairnd";
  const ok = (p: string) => {
    try { fs.accessSync(p, fs.constants.X_OK); return fs.statSync(p).isFile(); } catch { return false; }
  };
  if (exe.includes("/")) return ok(exe) ? exe : undefined;
  for (const dir of (process.env.PATH || "/usr/local/bin:/usr/bin:/bin").split(":")) {
    const p = path.join(dir || ".", exe);
    if (ok(p)) return p;
  }
  return undefined;
}

// [0, 1, "daemon.ping", []]
const PING = Buffer.from([0x94, 0x00, 0x01, 0xab, ...Buffer.from("daemon.ping"), 0x90]);

export function answers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection(socketPath);
    const done = (v: boolean) => { s.destroy(); resolve(v); };
    s.setTimeout(timeoutMs, () => done(false));
    s.on("connect", () => s.write(PING));
    s.on("data", () => done(true));
    s.on("error", () => done(false));
    s.on("close", () => done(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts cairnd for socketPath unless one answers already, and waits until it
 * answers. Clients racing here start one daemon: each takes the lock file
 * beside the socket (O_EXCL) in turn, as the CLI takes its flock.
 */
export async function spawnDaemon(socketPath: string, cairnd?: string, waitMs = 5000): Promise<void> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  const lockPath = socketPath + ".spawn-node";
  const deadline = Date.now() + waitMs;
  let lock: number | undefined;
  while (lock === undefined) {
    try {
      lock = fs.openSync(lockPath, "wx", 0o600);
    } catch (e: any) {
      if (e.code !== "EEXIST") throw e;
      if (await answers(socketPath)) return;
      // A lock left by a process that died: older than the wait, it is taken over.
      try {
        if (Date.now() - fs.statSync(lockPath).mtimeMs > waitMs) fs.unlinkSync(lockPath);
      } catch { /* gone meanwhile */ }
      if (Date.now() > deadline) break;
      await sleep(10);
    }
  }
  try {
    if (await answers(socketPath)) return;
    const exe = findCairnd(cairnd);
    if (!exe) {
      throw new UnavailableError("cannot start the daemon: no cairnd found (pass cairnd, set " +
                                 "CAIRN_DAEMON, or put it on PATH), or start cairnd yourself");
    }
    const child = spawn(exe, ["--socket", socketPath], { detached: true, stdio: "ignore" });
    child.on("error", () => {});
    child.unref();
    while (Date.now() < deadline) {
      if (await answers(socketPath)) return;
      await sleep(10);
    }
    throw new UnavailableError(`started ${exe} but it did not answer on ${socketPath} within ` +
                               `${waitMs} ms; see its log (cairnd --help shows where)`);
  } finally {
    if (lock !== undefined) {
      fs.closeSync(lock);
      try { fs.unlinkSync(lockPath); } catch { /* already gone */ }
    }
  }
}
