// clients_bench's Node driver: one request in flight, for SECONDS.
//   node node_driver.js SOCKET ping|write SECONDS  ->  "req_per_s p50_us p99_us"
// Needs clients/node compiled (clients/node/scripts/test.sh or npm run build).
const path = require("node:path");
const { Client } = require(path.join(__dirname, "..", "..", "clients", "node", "dist", "src", "index.js"));

async function main() {
  const [socketPath, op, secondsArg] = process.argv.slice(2);
  const seconds = Number(secondsArg);
  const c = await Client.connect({ socketPath });
  const lat = [];
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  for (let i = 0; ; i++) {
    const t0 = process.hrtime.bigint();
    if (t0 >= end) break;
    if (op === "ping") await c.call("daemon.ping");
    else await c.call("prefs.set", { category: "bench-node", key: `k${i % 1000}`, value: i });
    lat.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((lat.length * p) / 100))];
  console.log(`${(lat.length / elapsed).toFixed(0)} ${pct(50).toFixed(0)} ${pct(99).toFixed(0)}`);
  c.close();
}
main().catch((e) => { console.error(e); process.exit(1); });
