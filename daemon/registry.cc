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

void Registry::add_loop(std::string name, LoopHandler h) { add({std::move(name), std::move(h)}); }
void Registry::add_read(std::string name, ReadHandler h) { add({std::move(name), std::move(h)}); }
void Registry::add_write(std::string name, WriteHandler h, store::Durability d) {
  add({std::move(name), std::move(h), d});
}
void Registry::add_async(std::string name, AsyncHandler h) {
  add({std::move(name), std::move(h)});
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
