#include "watchers/root_rules.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fd.h"

namespace cairn::watchers {

namespace {

std::string read_small(Fd fd, size_t max_bytes) {
  if (!fd.valid()) return {};
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<size_t>(st.st_size) > max_bytes) {
    return {};
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

}  // namespace

std::string read_small_file(const std::string& path, size_t max_bytes) {
  return read_small(Fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)),
                    max_bytes);
}

std::string read_small_file_at(int dirfd, const char* name, size_t max_bytes) {
  return read_small(Fd(::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)),
                    max_bytes);
}

RootRules::RootRules(std::string root, const std::vector<std::string>& include,
                     const std::vector<std::string>& exclude, bool gitignore)
    : root_(std::move(root)),
      include_(IgnoreList::from_patterns(include)),
      exclude_(IgnoreList::from_patterns(exclude)),
      gitignore_(gitignore) {
  if (gitignore_) info_exclude_ = IgnoreList::parse(read_small_file(root_ + "/.git/info/exclude"));
}

void RootRules::forget_gitignore(const std::string& rel_dir) { cache_.erase(rel_dir); }

template <typename Gitignore>
bool RootRules::decide(std::string_view rel, bool is_dir, Gitignore gitignore) {
  auto slash = rel.rfind('/');
  std::string_view name = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  if (name == ".git") return true;
  if (Match m = exclude_.match(rel, is_dir); m != Match::kNone) {
    if (m == Match::kIgnore) return true;
  } else if (gitignore_) {
    Match decided = gitignore();
    if (decided == Match::kNone) decided = info_exclude_.match(rel, is_dir);
    if (decided == Match::kIgnore) return true;
  }
  if (!is_dir && !include_.empty() && include_.match(rel, false) != Match::kIgnore) return true;
  return false;
}

bool RootRules::ignored(std::string_view rel, bool is_dir) {
  bool above = false;
  GitignoreChain chain = chain_above(rel, false, above);
  return ignored_in(chain, rel, is_dir);
}

GitignoreChain RootRules::chain_above(std::string_view rel, bool check, bool& above_ignored) {
  above_ignored = false;
  if (!gitignore_ && !check) return nullptr;
  // Down from the root one name at a time (openat, no symlink followed): each
  // level costs one lookup, whatever the depth.
  Fd dir(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  GitignoreChain chain = dir.valid() ? enter(nullptr, "", dir.get()) : nullptr;
  for (size_t pos = 0; (pos = rel.find('/', pos)) != std::string_view::npos; ++pos) {
    std::string_view sub = rel.substr(0, pos);
    if (check && ignored_in(chain, sub, true)) {
      above_ignored = true;
      return chain;
    }
    if (!gitignore_ || !dir.valid()) continue;
    size_t slash = sub.rfind('/');
    std::string name(slash == std::string_view::npos ? sub : sub.substr(slash + 1));
    dir = Fd(::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir.valid()) chain = enter(chain, std::string(sub), dir.get());
  }
  return chain;
}

bool RootRules::ignored_in(const GitignoreChain& chain, std::string_view rel, bool is_dir) {
  return decide(rel, is_dir, [&] {
    for (const GitignoreFrame* f = chain.get(); f; f = f->up.get()) {
      std::string_view sub = f->dir_len == 0 ? rel : rel.substr(f->dir_len + 1);
      if (Match m = f->list->match(sub, is_dir); m != Match::kNone) return m;
    }
    return Match::kNone;
  });
}

GitignoreChain RootRules::enter(const GitignoreChain& parent, const std::string& rel_dir,
                                int dirfd) {
  if (!gitignore_) return parent;
  auto it = cache_.find(rel_dir);
  if (it == cache_.end()) {
    IgnoreList list = IgnoreList::parse(read_small_file_at(dirfd, ".gitignore"));
    // Only lists with patterns are kept: a deep tree without .gitignore files
    // would otherwise hold every directory's path here.
    if (list.empty()) return parent;
    it = cache_.emplace(rel_dir, std::make_shared<const IgnoreList>(std::move(list))).first;
  }
  if (it->second->empty()) return parent;
  auto f = std::make_shared<GitignoreFrame>();
  f->up = parent;
  f->dir_len = rel_dir.size();
  f->list = it->second;
  return f;
}

bool RootRules::ignored_path(std::string_view rel, bool is_dir) {
  bool above = false;
  GitignoreChain chain = chain_above(rel, true, above);
  return above || ignored_in(chain, rel, is_dir);
}

}  // namespace cairn::watchers
