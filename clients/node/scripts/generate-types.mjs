#!/usr/bin/env node
// Writes src/generated.ts from a cairnd's daemon.describe.
//   node scripts/generate-types.mjs [--socket PATH] [--check]
// Without --socket it starts the cairnd of $CAIRN_BUILD_DIR (default ../../build)
// on a private socket and data directory. --check exits 1 when the file differs.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, "..");
const require = createRequire(import.meta.url);
const { Client, renderTypes } = require(path.join(pkg, "dist/src/index.js"));
const { describeOf } = require(path.join(pkg, "dist/test/daemon.js"));

const args = process.argv.slice(2);
const check = args.includes("--check");
const at = args.indexOf("--socket");
let daemon;
let socketPath = at >= 0 ? args[at + 1] : undefined;
if (!socketPath) {
  const { startDaemon } = require(path.join(pkg, "dist/test/daemon.js"));
  daemon = await startDaemon();
  socketPath = daemon.socket;
}
try {
  const client = await Client.connect({ socketPath });
  const { describe, source } = await describeOf(client);
  const text = renderTypes(describe, source);
  client.close();
  const file = path.join(pkg, "src/generated.ts");
  const old = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  if (check) {
    if (old !== text) { console.error("src/generated.ts is stale: run npm run generate"); process.exitCode = 1; }
  } else if (old !== text) {
    fs.writeFileSync(file, text);
    console.log("wrote src/generated.ts");
  }
} finally {
  await daemon?.stop();
}
