"""Method helpers built at run time from ``daemon.describe``: ``client.tasks.create(
title=...)`` calls ``tasks.create`` with ``[{"title": ...}]``. Each helper has the
method's description as its docstring and its parameters as a keyword-only
signature, so ``help()`` and editors show them."""

import inspect
import keyword


class _Unset:
    def __repr__(self):
        return "<unset>"


UNSET = _Unset()


class Namespace:
    """The methods of one domain (``tasks``, ``prefs``, ...) as attributes."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        names = sorted(k for k in vars(self) if not k.startswith("_"))
        return f"<cairn namespace {self._name}: {', '.join(names)}>"


def _doc(spec):
    lines = [spec.get("description", "") or spec["name"], ""]
    lines.append(f"{spec['name']} ({spec.get('kind', '?')})")
    schema = spec.get("params") or {}
    required = set(schema.get("required", []))
    for pname, pschema in (schema.get("properties") or {}).items():
        mark = "" if pname in required else "?"
        ptype = pschema.get("type", "any")
        desc = pschema.get("description", "")
        lines.append(f"  {pname}{mark}: {ptype}  {desc}".rstrip())
    return "\n".join(lines)


def _signature(spec):
    schema = spec.get("params") or {}
    required = set(schema.get("required", []))
    params = []
    other = False
    for pname in (schema.get("properties") or {}):
        if not pname.isidentifier() or keyword.iskeyword(pname):
            other = True  # e.g. `from`: passed as **{"from": ...}
            continue
        default = inspect.Parameter.empty if pname in required else UNSET
        params.append(inspect.Parameter(pname, inspect.Parameter.KEYWORD_ONLY, default=default))
    if other:
        params.append(inspect.Parameter("params", inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def _helper(spec, call):
    name = spec["name"]

    def method(**params):
        return call(name, {k: v for k, v in params.items() if v is not UNSET})

    method.__name__ = name.rsplit(".", 1)[-1]
    method.__qualname__ = name
    method.__doc__ = _doc(spec)
    method.__signature__ = _signature(spec)
    method.method = name
    method.kind = spec.get("kind")
    return method


def build(describe, call):
    """The top-level namespaces for a ``daemon.describe`` reply; ``call(name,
    params)`` performs a request (returning a value or an awaitable)."""
    roots = {}
    for spec in describe.get("methods", []):
        parts = spec["name"].split(".")
        if len(parts) < 2:
            continue
        ns = roots.setdefault(parts[0], Namespace(parts[0]))
        for part in parts[1:-1]:
            child = getattr(ns, part, None)
            if not isinstance(child, Namespace):
                child = Namespace(f"{ns._name}.{part}")
                setattr(ns, part, child)
            ns = child
        setattr(ns, parts[-1], _helper(spec, call))
    return roots


def read_methods(describe):
    return {m["name"] for m in describe.get("methods", []) if m.get("kind") == "read"}
