// Tests of the test fixture itself, where a mistake would hide failures.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/daemon_process.h"

namespace cairn::testing {
namespace {

// The sanitizer stages rely on this: a report that did not crash cairnd (or
// came just before the test killed it) must still fail the test.
TEST(DaemonFixture, ASanitizerReportInCairndsStderrFailsTheTestThatOwnsIt) {
  EXPECT_NONFATAL_FAILURE(
      {
        DaemonProcess d;
        std::ofstream(d.home() + "/stderr.log")
            << "==1==WARNING: ThreadSanitizer: data race (pid=1)\n"
            << "SUMMARY: ThreadSanitizer: data race store/writer.cc:1 in f\n";
      },
      "cairnd printed a sanitizer report");
}

TEST(DaemonFixture, ACleanStderrFailsNothing) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  EXPECT_TRUE(d.call("daemon.ping"));
  EXPECT_EQ(d.terminate(), 0);
}

}  // namespace
}  // namespace cairn::testing
