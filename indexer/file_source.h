// FileSource: tracked files as documents of kind "file". The files table (schema
// 0002, kept by the watchers) says which files are text (is_text) and bumps
// `gen` on every observed content change or delete; the text itself is read
// from disk here, on the worker thread, so the index holds one copy of it.
#pragma once

#include "indexer/index_source.h"

namespace cairn::indexer {

// Files above this are never read, whatever is_text says (the watchers use the
// same cap to decide is_text).
inline constexpr int64_t kMaxFileBytes = 8 << 20;

class FileSource : public IndexSource {
 public:
  const std::string& kind() const override { return kind_; }
  const std::vector<std::string>& topics() const override { return topics_; }
  Result<bool> available(store::Db& db) override { return table_exists(db, "files"); }
  std::string docs_sql() const override;
  Result<std::optional<DocText>> load(store::Db& db, const DocRef& ref) override;
  // Files have integer ids: the removed set is found through the primary key.
  Result<std::vector<std::string>> list_removed(store::Db& db, int limit) override;

 private:
  std::string kind_ = "file";
  std::vector<std::string> topics_ = {"files", "roots"};
};

}  // namespace cairn::indexer
