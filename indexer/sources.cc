// The list of index sources in this build. A domain joins the search index with
// one add_sql_source() call here (see index_source.h), or with its own
// IndexSource subclass when its text is not in the database.
#include "indexer/file_source.h"
#include "indexer/index_source.h"

namespace cairn::indexer {

Sources make_sources() {
  Sources out;
  out.push_back(std::make_unique<FileSource>());
  return out;
}

}  // namespace cairn::indexer
