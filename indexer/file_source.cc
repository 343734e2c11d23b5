#include "indexer/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/fd.h"
#include "base/open_below.h"
#include "indexer/chunker.h"

namespace cairn::indexer {

namespace {

constexpr const char* kDocsWhere =
    "type = 'file' AND status = 'ok' AND is_text = 1";

// Reads a whole regular file (at most kMaxFileBytes + 1 bytes), opened below
// its root with no symlink followed (base/open_below.h): a directory swapped
// for a link to elsewhere since the file was hashed is not read through.
Result<std::string> read_file(const std::string& root, const std::string& path) {
  size_t slash = path.rfind('/');
  Fd dir = slash == std::string::npos ? Fd() : open_dir_below(root, path.substr(0, slash));
  if (!dir.valid()) return Status(Code::kNotFound, "cannot open: " + std::string(strerror(errno)));
  int fd =
      ::openat(dir.get(), path.c_str() + slash + 1, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return Status(Code::kNotFound, "cannot open: " + std::string(strerror(errno)));
  Fd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status(Code::kNotFound, "not a regular file");
  }
  std::string out;
  out.resize(static_cast<size_t>(std::min<int64_t>(st.st_size, kMaxFileBytes) + 1));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status(Code::kInternal, "read: " + std::string(strerror(errno)));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

}  // namespace

std::string FileSource::docs_sql() const {
  return std::string("SELECT id, gen FROM files WHERE ") + kDocsWhere;
}

Result<std::vector<std::string>> FileSource::list_removed(store::Db& db, int limit) {
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt s,
      db.prepare(std::string("SELECT d.doc_id FROM index_docs d WHERE d.kind = 'file' AND NOT "
                             "EXISTS (SELECT 1 FROM files WHERE id = CAST(d.doc_id AS INTEGER) "
                             "AND ") +
                 kDocsWhere + ") LIMIT ?1"));
  s.bind_all(limit);
  std::vector<std::string> out;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    out.push_back(s.text(0));
  }
  return out;
}

Result<std::optional<DocText>> FileSource::load(store::Db& db, const DocRef& ref) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt s,
                         db.prepare(std::string("SELECT id, path, (SELECT path FROM roots WHERE "
                                                "roots.id = files.root_id) FROM files WHERE id = "
                                                "?1 AND ") +
                                    kDocsWhere));
  s.bind_all(static_cast<int64_t>(std::stoll(ref.doc_id)));
  CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return std::optional<DocText>();
  DocText t;
  t.file_id = s.int64(0);
  // A single-file root is its own path: its directory is opened as named.
  std::string path = s.text(1), root = s.text(2);
  if (root == path) root = path.substr(0, std::max<size_t>(path.rfind('/'), 1));
  auto bytes = read_file(root, path);
  if (!bytes.has_value()) {
    t.error = bytes.status().message();
  } else if (static_cast<int64_t>(bytes->size()) > kMaxFileBytes) {
    t.error = "larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB";
  } else if (looks_binary(*bytes)) {
    t.error = "binary";
  } else {
    t.body = std::move(*bytes);
  }
  return std::optional<DocText>(std::move(t));
}

}  // namespace cairn::indexer
