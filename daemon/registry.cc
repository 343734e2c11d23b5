#include "daemon/registry.h"

#include <cstdlib>
#include <set>
#include <stdexcept>

namespace cairn {

void Registry::add(Method m) {
  std::string name = m.name;
  if (!methods_.emplace(name, std::move(m)).second) {
    throw std::logic_error("method registered twice: " + name);
  }
}

// Each handler is wrapped so that its spec checks the call first.
void Registry::add_loop(std::string name, MethodSpec spec, LoopHandler h) {
  auto sp = std::make_shared<const MethodSpec>(spec);
  LoopHandler checked = [sp, h = std::move(h)](CallContext& ctx,
                                               const Json& params) -> Result<Json> {
    CAIRN_RETURN_IF_ERROR(sp->validate(params));
    return h(ctx, params);
  };
  add({std::move(name), std::move(spec), std::move(checked)});
}

void Registry::add_read(std::string name, MethodSpec spec, ReadHandler h) {
  auto sp = std::make_shared<const MethodSpec>(spec);
  ReadHandler checked = [sp, h = std::move(h)](store::Db& db, const Json& params) -> Result<Json> {
    CAIRN_RETURN_IF_ERROR(sp->validate(params));
    return h(db, params);
  };
  add({std::move(name), std::move(spec), std::move(checked)});
}

void Registry::add_write(std::string name, MethodSpec spec, WriteHandler h, store::Durability d) {
  auto sp = std::make_shared<const MethodSpec>(spec);
  WriteHandler checked = [sp, h = std::move(h)](store::WriteTxn& txn,
                                                const Json& params) -> Result<Json> {
    CAIRN_RETURN_IF_ERROR(sp->validate(params));
    return h(txn, params);
  };
  add({std::move(name), std::move(spec), std::move(checked), d});
}

void Registry::add_async(std::string name, MethodSpec spec, AsyncHandler h) {
  auto sp = std::make_shared<const MethodSpec>(spec);
  AsyncHandler checked = [sp, h = std::move(h)](CallContext& ctx, const Json& params, Reply reply) {
    Status st = sp->validate(params);
    if (!st.is_ok()) return reply(std::move(st));
    h(ctx, params, std::move(reply));
  };
  add({std::move(name), std::move(spec), std::move(checked)});
}

const char* Registry::kind(const Method& m) {
  if (std::holds_alternative<WriteHandler>(m.handler)) return "write";
  if (std::holds_alternative<AsyncHandler>(m.handler)) return "async";
  return "read";
}

Json Registry::describe(const std::string& only) const {
  Json out = Json::array();
  for (const auto& [name, m] : methods_) {
    if (!only.empty() && name != only) continue;
    out.push_back({{"name", name},
                   {"kind", kind(m)},
                   {"description", m.spec.description},
                   {"params", m.spec.params_schema()},
                   {"topics", m.spec.topics}});
  }
  return out;
}

const Method* Registry::find(const std::string& name) const {
  auto it = methods_.find(name);
  return it == methods_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, m] : methods_) out.push_back(name);
  return out;
}

Json Registry::costs() const {
  Json out = Json::object();
  for (const auto& [name, m] : methods_) {
    int64_t calls = m.cost->calls;
    if (calls > 0) out[name] = {{"calls", calls}, {"busy_ms", m.cost->busy_us / 1000}};
  }
  return out;
}

std::vector<std::string> Registry::capabilities() const {
  std::set<std::string> domains;
  for (const auto& [name, m] : methods_) domains.insert(name.substr(0, name.find('.')));
  return {domains.begin(), domains.end()};
}

}  // namespace cairn
