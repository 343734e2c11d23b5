// Method helpers from daemon.describe, and their generated types.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { Client, InvalidParamsError } from "../src/index";
import type { Params } from "../src/index";
import { startDaemon } from "./daemon";

test("helpers come from daemon.describe and call their method", { timeout: 30000 }, async () => {
  const d = await startDaemon();
  try {
    const c = await Client.connect({ socketPath: d.socket });
    const names = c.describe().methods.map((m: any) => m.name);
    assert.ok(names.includes("tasks.create") && names.includes("prefs.set"));
    const task = await c.tasks.create({ title: "write the report" });
    assert.equal(task.title, "write the report");
    assert.equal(await c.daemon.ping(), "pong");
    await assert.rejects(c.call("tasks.create", { title: "x", no_such_parameter: 1 } as any), InvalidParamsError);
    for (const name of names) {
      let obj: any = c;
      for (const part of name.split(".")) obj = obj[part];
      assert.equal(obj.method, name);
    }
    await d.restart();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await c.tasks.create({ title: "after a restart" })).title, "after a restart");
    c.close();
  } finally {
    await d.dispose();
  }
});

// Compiled, never run: tsc fails the suite when the generated types stop
// describing tasks.create's parameters.
export function typesAreChecked(c: Client & import("../src/index").Api) {
  const ok: Params<"tasks.create"> = { title: "t" };
  void c.tasks.create(ok);
  // @ts-expect-error title is a string
  void c.tasks.create({ title: 5 });
  // @ts-expect-error title is required
  void c.tasks.create({});
  // @ts-expect-error unknown parameter
  void c.tasks.create({ title: "t", nope: 1 });
}
