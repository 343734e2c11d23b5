// ProcSysGuard, the reliability suite's way to change a kernel setting: a test
// process killed while it holds a changed setting must not leave the machine
// changed for good. The next guard of that setting puts the old value back.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "tests/reliability/reliability.h"

namespace cairn::testing {
namespace {

constexpr const char* kSetting = "fs/inotify/max_queued_events";

std::string current() {
  std::string v = read_text(std::string("/proc/sys/") + kSetting);
  while (!v.empty() && v.back() == '\n') v.pop_back();
  return v;
}

TEST(SysctlGuard, ASettingLeftByAKilledRunIsPutBackByTheNextGuard) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing a kernel setting needs root";
  const std::string before = current();
  ASSERT_FALSE(before.empty());
  // One more queued event than before: harmless to anything else running.
  const std::string changed = std::to_string(std::stoll(before) + 1);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ProcSysGuard guard(kSetting);
    if (!guard.set(changed)) ::_exit(1);
    ::raise(SIGKILL);  // no destructor runs, as when a run is killed
    ::_exit(2);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  EXPECT_EQ(current(), changed) << "the killed process did not change the setting";
  std::string record = std::string(ProcSysGuard::kRecordDir) + "/fs.inotify.max_queued_events";
  EXPECT_EQ(::access(record.c_str(), F_OK), 0) << "no record of the old value was left";

  {
    ProcSysGuard next(kSetting);
    EXPECT_EQ(current(), before) << "the next guard did not put the old value back";
    EXPECT_EQ(next.old_value(), before);
    EXPECT_NE(::access(record.c_str(), F_OK), 0) << "the record outlived the restore";
    ASSERT_TRUE(next.set(changed));
    EXPECT_EQ(::access(record.c_str(), F_OK), 0);
  }
  EXPECT_EQ(current(), before);
  EXPECT_NE(::access(record.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace cairn::testing
