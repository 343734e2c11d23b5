// Method helpers built at run time from daemon.describe: client.tasks.create({title})
// calls tasks.create with [{title}]. Their types are in generated.ts.

export type Caller = (method: string, params?: Record<string, unknown>) => Promise<any>;

export function buildApi(describe: any, call: Caller): Record<string, any> {
  const roots: Record<string, any> = {};
  for (const spec of describe?.methods ?? []) {
    const parts: string[] = String(spec.name).split(".");
    if (parts.length < 2) continue;
    let ns = (roots[parts[0]] ??= {});
    for (const part of parts.slice(1, -1)) ns = (ns[part] ??= {});
    const name: string = spec.name;
    const helper = (params?: Record<string, unknown>) => call(name, params ?? {});
    Object.defineProperty(helper, "name", { value: name });
    Object.assign(helper, { method: name, kind: spec.kind, description: spec.description });
    ns[parts[parts.length - 1]] = helper;
  }
  return roots;
}
