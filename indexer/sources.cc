// The list of index sources in this build. A domain joins the search index with
// one add_sql_source() call here (see index_source.h), or with its own
// IndexSource subclass when its text is not in the database.
#include <string>

#include "indexer/file_source.h"
#include "indexer/index_source.h"

namespace cairn::indexer {

// Tags (a JSON array) as a last line of the body, "tags: api parser", so a word
// or a substring of a tag finds its document.
const std::string kTagsLine =
    "CASE WHEN json_valid(tags) AND json_array_length(tags) > 0 THEN char(10) || 'tags: ' || "
    "(SELECT group_concat(value, ' ') FROM json_each(tags)) ELSE '' END";

Sources make_sources() {
  Sources out;
  out.push_back(std::make_unique<FileSource>());
  add_sql_source(
      out, {.kind = "task",
            .table = "tasks",
            .topics = {"tasks"},
            .docs_sql = "SELECT id, version * 1000003 + length(tags) FROM tasks",
            .text_sql = "SELECT title, description || " + kTagsLine + " FROM tasks WHERE id = ?1"});
  // updated_at is in ms: the text length tells apart two streamed pieces that
  // land in the same millisecond.
  add_sql_source(out, {.kind = "message",
                       .table = "messages",
                       .topics = {"messages", "sessions"},
                       .docs_sql = "SELECT id, updated_at * 1000003 + length(content) FROM "
                                   "messages",
                       .text_sql = "SELECT '', content FROM messages WHERE id = ?1"});
  add_sql_source(out, {.kind = "knowledge",
                       .table = "knowledge_items",
                       .topics = {"knowledge"},
                       .docs_sql = "SELECT id, updated_at * 1000003 + length(title) + "
                                   "length(content) + length(tags) FROM knowledge_items",
                       .text_sql = "SELECT title, content || " + kTagsLine +
                                   " FROM knowledge_items "
                                   "WHERE id = ?1"});
  return out;
}

}  // namespace cairn::indexer
