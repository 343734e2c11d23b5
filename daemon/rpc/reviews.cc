// reviews.*: a review of a task's runs, with feedback items pinned to a file and
// a line range. reviews.feedback_for_file serves editors their diagnostics.
// A review and its feedback are written and recorded as one entity. Topic
// "reviews".
#include <set>

#include "daemon/params.h"
#include "daemon/rpc/columns.h"
#include "daemon/rpc/register.h"

namespace cairn {

namespace {

// The severities editors show (hint, info, warning, error).
const std::vector<std::string> kSeverities = {"hint", "info", "warning", "error"};
constexpr size_t kMaxFeedback = 10000;
constexpr size_t kMaxRunIds = 1000;
constexpr size_t kMaxEventFiles = 100;  // more: the event leaves the list out

struct Feedback {
  std::string file;
  std::optional<int64_t> line_start, line_end;
  std::string severity;
  std::optional<std::string> category;
  std::string title;
  std::optional<std::string> description, suggestion;

  Json to_json() const {
    return Json{{"file", file},
                {"line_start", line_start ? Json(*line_start) : Json()},
                {"line_end", line_end ? Json(*line_end) : Json()},
                {"severity", severity},
                {"category", category ? Json(*category) : Json()},
                {"title", title},
                {"description", description ? Json(*description) : Json()},
                {"suggestion", suggestion ? Json(*suggestion) : Json()}};
  }
};

// An error about item i names it: "feedback[2].severity must be one of: ...".
// Params says "unknown key colour": that becomes "unknown key feedback[2].colour".
Status in_item(size_t i, const Status& st) {
  std::string where = "feedback[" + std::to_string(i) + "].";
  const std::string unknown = "unknown key ";
  if (st.message().rfind(unknown, 0) == 0) {
    return Status(st.code(), unknown + where + st.message().substr(unknown.size()));
  }
  return Status(st.code(), where + st.message());
}

Result<std::vector<Feedback>> parse_feedback(const Json& v) {
  std::vector<Feedback> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return invalid_params("feedback must be an array of feedback items");
  if (v.size() > kMaxFeedback) return invalid_params("feedback has more than 10000 items");
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_object()) {
      return invalid_params("feedback[" + std::to_string(i) + "] must be a map");
    }
    Params p(Json::array({v[i]}));
    Feedback f;
    f.file = p.str("file", 4096);
    f.line_start = p.opt_int("line_start", 1, INT32_MAX);
    f.line_end = p.opt_int("line_end", 1, INT32_MAX);
    f.severity = p.opt_enum("severity", kSeverities).value_or("info");
    f.category = p.opt_str("category", 256);
    f.title = p.str("title", 4096);
    f.description = p.opt_str("description", 256 * 1024);
    f.suggestion = p.opt_str("suggestion", 256 * 1024);
    if (Status st = p.finish(); !st.is_ok()) return in_item(i, st);
    if (f.file.empty()) return in_item(i, invalid_params("file must not be empty"));
    if (f.title.empty()) return in_item(i, invalid_params("title must not be empty"));
    if (f.line_end && !f.line_start) {
      return in_item(i, invalid_params("line_end needs line_start"));
    }
    if (f.line_end && *f.line_end < *f.line_start) {
      return in_item(i, invalid_params("line_end must not be before line_start"));
    }
    out.push_back(std::move(f));
  }
  return out;
}

Json feedback_row(const store::Stmt& s) {
  return Json{{"review_id", s.text(0)},
              {"file", s.text(1)},
              {"line_start", s.is_null(2) ? Json() : Json(s.int64(2))},
              {"line_end", s.is_null(3) ? Json() : Json(s.int64(3))},
              {"severity", s.text(4)},
              {"category", columns::text(s, 5)},
              {"title", s.text(6)},
              {"description", columns::text(s, 7)},
              {"suggestion", columns::text(s, 8)}};
}

constexpr const char* kFeedbackColumns =
    "f.review_id, f.file, f.line_start, f.line_end, f.severity, f.category, f.title, "
    "f.description, f.suggestion";

// The review with its feedback in order, or nothing.
Result<std::optional<Json>> find_review(store::Db& db, const std::string& id) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s,
                         db.cached("SELECT id, task_id, run_ids, summary, score, created_at "
                                   "FROM reviews WHERE id = ?1"));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<Json>();
  Json review{{"id", s->text(0)},
              {"task_id", columns::text(*s, 1)},
              {"run_ids", columns::json(*s, 2)},
              {"summary", columns::text(*s, 3)},
              {"score", s->is_null(4) ? Json() : Json(s->real(4))},
              {"created_at", columns::time(*s, 5)}};
  s->reset();  // a statement left on a row would pin this connection's snapshot
  static const std::string& sql =
      *new std::string(std::string("SELECT ") + kFeedbackColumns +
                       " FROM review_feedback f WHERE f.review_id = ?1 ORDER BY "
                       "f.position");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * f, db.cached(sql.c_str()));
  f->bind_all(id);
  Json items = Json::array();
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool more, f->step());
    if (!more) break;
    items.push_back(feedback_row(*f));
  }
  review["feedback"] = std::move(items);
  return std::optional<Json>(std::move(review));
}

Result<Json> create_review(store::WriteTxn& txn, const Json& params) {
  Params p(params);
  auto id_arg = p.opt_str("id", 128);
  auto task_id = p.opt_str("task_id", 128);
  auto run_ids = p.opt_str_list("run_ids", kMaxRunIds, 128);
  auto summary = p.opt_str("summary", 1 << 20);
  auto score = p.opt_number("score", 0, 100);
  const Json& feedback_arg = p.any("feedback");
  CAIRN_RETURN_IF_ERROR(p.finish());
  CAIRN_ASSIGN_OR_RETURN(auto feedback, parse_feedback(feedback_arg));
  CAIRN_ASSIGN_OR_RETURN(std::string id, columns::id_or_new(id_arg));
  Json runs = run_ids ? Json(*run_ids) : Json::array();
  Json items = Json::array();
  for (const auto& f : feedback) {
    Json j = f.to_json();
    j["review_id"] = id;
    items.push_back(std::move(j));
  }
  Json wanted{{"task_id", task_id ? Json(*task_id) : Json()},
              {"run_ids", runs},
              {"summary", summary ? Json(*summary) : Json()},
              {"score", score ? Json(*score) : Json()},
              {"feedback", items}};
  CAIRN_ASSIGN_OR_RETURN(auto existing, find_review(txn.db(), id));
  if (existing) {
    CAIRN_RETURN_IF_ERROR(columns::same_content(
        *existing, wanted, {"task_id", "run_ids", "summary", "score", "feedback"}, "review " + id));
    return *existing;
  }
  for (size_t i = 0; run_ids && i < run_ids->size(); ++i) {
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, txn.db().cached("SELECT 1 FROM runs WHERE id = ?1"));
    q->bind_all((*run_ids)[i]);
    CAIRN_ASSIGN_OR_RETURN(bool found, q->step());
    q->reset();
    if (!found) {
      return not_found("run_ids[" + std::to_string(i) + "]: no run " + (*run_ids)[i]);
    }
  }
  CAIRN_ASSIGN_OR_RETURN(std::string runs_text, to_json_text(runs, "run_ids"));
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * ins,
      txn.db().cached("INSERT INTO reviews(id, task_id, run_ids, summary, score, created_at) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
  CAIRN_RETURN_IF_ERROR(ins->bind_all(id, task_id, runs_text, summary, score, txn.now_ms()).run());
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * fb,
      txn.db().cached("INSERT INTO review_feedback(id, review_id, position, file, line_start, "
                      "line_end, severity, category, title, description, suggestion, "
                      "review_created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                      "?12)"));
  for (size_t i = 0; i < feedback.size(); ++i) {
    const Feedback& f = feedback[i];
    CAIRN_RETURN_IF_ERROR(fb->bind_all(id + "#" + std::to_string(i), id, static_cast<int64_t>(i),
                                       f.file, f.line_start, f.line_end, f.severity, f.category,
                                       f.title, f.description, f.suggestion, txn.now_ms())
                              .run());
    fb->reset();
  }
  CAIRN_ASSIGN_OR_RETURN(auto row, find_review(txn.db(), id));
  // The changelog keeps the review and how many items it has, not every item;
  // the event names the files so an editor refreshes only those buffers.
  Json recorded = *row;
  recorded.erase("feedback");
  recorded["feedback_count"] = feedback.size();
  std::set<std::string> files;
  for (const auto& f : feedback) files.insert(f.file);
  Json extra{{"task_id", recorded["task_id"]},
             {"score", recorded["score"]},
             {"feedback_count", feedback.size()}};
  if (files.size() <= kMaxEventFiles) extra["files"] = files;
  CAIRN_RETURN_IF_ERROR(txn.record("reviews", "insert", id, nullptr, recorded, extra).status());
  return *row;
}

// feedback: an array of {file, line_start?, line_end?, severity?, category?,
// title, description?, suggestion?}.
Json feedback_schema() {
  Json item{{"type", "object"},
            {"properties",
             {{"file", {{"type", "string"}, {"maxLength", 4096}}},
              {"line_start", {{"type", "integer"}, {"minimum", 1}, {"maximum", INT32_MAX}}},
              {"line_end", {{"type", "integer"}, {"minimum", 1}, {"maximum", INT32_MAX}}},
              {"severity", {{"type", "string"}, {"enum", kSeverities}}},
              {"category", {{"type", "string"}, {"maxLength", 256}}},
              {"title", {{"type", "string"}, {"maxLength", 4096}}},
              {"description", {{"type", "string"}, {"maxLength", 256 * 1024}}},
              {"suggestion", {{"type", "string"}, {"maxLength", 256 * 1024}}}}},
            {"required", {"file", "title"}},
            {"additionalProperties", false}};
  return {{"type", "array"}, {"items", item}, {"maxItems", kMaxFeedback}};
}

}  // namespace

void register_reviews(Registry& r, Services& s) {
  s.hub.add_topic("reviews");
  r.add_write(
      "reviews.create",
      {"Records a review with its feedback items (all or nothing).",
       {"reviews"},
       {param::str("id", 128, "client-chosen id"), param::str("task_id", 128, "the task reviewed"),
        param::str_list("run_ids", kMaxRunIds, 128, "the runs reviewed (must exist)"),
        param::str("summary", 1 << 20, "a summary"), param::number("score", 0, 100, "0 to 100"),
        param::any("feedback", feedback_schema(), "feedback items")}},
      create_review);
  // Each feedback item carries its review's time for feedback_for_file's index
  // (schema/0008); an imported document from before 0008 has no such column.
  s.after_import.push_back(
      "UPDATE review_feedback SET review_created_at = (SELECT created_at FROM reviews WHERE "
      "reviews.id = review_feedback.review_id) WHERE review_created_at IS NOT (SELECT created_at "
      "FROM reviews WHERE reviews.id = review_feedback.review_id)");

  r.add_read("reviews.get",
             {"Reads a review with its feedback in order.",
              {},
              {param::str("id", 128, "the review").required()}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Params p(params);
               auto id = p.str("id", 128);
               CAIRN_RETURN_IF_ERROR(p.finish());
               CAIRN_ASSIGN_OR_RETURN(auto row, find_review(db, id));
               if (!row) return not_found("no review " + id);
               return *row;
             });

  // Reviews without their feedback items, newest first.
  r.add_read(
      "reviews.list",
      {"Lists reviews newest first, with feedback counts.",
       {},
       {param::str("task_id", 128, "only for this task"),
        param::integer("limit", 1, 1000, "most rows (default 100)")}},
      [](store::Db& db, const Json& params) -> Result<Json> {
        Params p(params);
        auto task_id = p.opt_str("task_id", 128);
        int64_t limit = p.opt_int("limit", 1, 1000).value_or(100);
        CAIRN_RETURN_IF_ERROR(p.finish());
        // One form per filter, each with its index (reviews_by_task, reviews_by_created):
        // "?1 IS NULL OR task_id = ?1" could use neither and sorted every review.
        static const std::string& cols = *new std::string(
            "SELECT r.id, r.task_id, r.run_ids, r.summary, r.score, r.created_at, (SELECT count(*) "
            "FROM review_feedback f WHERE f.review_id = r.id) FROM reviews r WHERE ");
        static const std::string& by_task =
            *new std::string(cols + "r.task_id = ?1 ORDER BY r.created_at DESC, r.id LIMIT ?2");
        static const std::string& all =
            *new std::string(cols + "?1 IS NULL ORDER BY r.created_at DESC, r.id LIMIT ?2");
        CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached((task_id ? by_task : all).c_str()));
        q->bind_all(task_id, limit);
        Json items = Json::array();
        for (;;) {
          CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
          if (!row) break;
          items.push_back(Json{{"id", q->text(0)},
                               {"task_id", columns::text(*q, 1)},
                               {"run_ids", columns::json(*q, 2)},
                               {"summary", columns::text(*q, 3)},
                               {"score", q->is_null(4) ? Json() : Json(q->real(4))},
                               {"created_at", columns::time(*q, 5)},
                               {"feedback_count", q->int64(6)}});
        }
        return Json{{"reviews", std::move(items)}};
      });

  // Newest review first, then in the order the review gave them.
  r.add_read("reviews.feedback_for_file",
             {"Lists the feedback on one file, newest review first.",
              {},
              {param::str("path", 4096, "the file, exactly as reviewed").required(),
               param::integer("limit", 1, 10000, "most items (default 1000)")}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Params p(params);
               auto path = p.str("path", 4096);
               int64_t limit = p.opt_int("limit", 1, 10000).value_or(1000);
               CAIRN_RETURN_IF_ERROR(p.finish());
               if (path.empty()) return invalid_params("path must not be empty");
               static const std::string& sql = *new std::string(
                   std::string("SELECT ") + kFeedbackColumns +
                   " FROM review_feedback f WHERE f.file = ?1 "
                   "ORDER BY f.review_created_at DESC, f.review_id, f.position LIMIT ?2");
               CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
               q->bind_all(path, limit);
               Json items = Json::array();
               for (;;) {
                 CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
                 if (!row) break;
                 items.push_back(feedback_row(*q));
               }
               return Json{{"feedback", std::move(items)}};
             });
}

}  // namespace cairn
