// Every committed fuzz input -- the seed corpus of each target and every input
// that once found a defect (fuzz/regressions/) -- goes through the frame
// decoder properties (fuzz/frame_property.h) on every normal test run, so a
// crash that was fixed stays fixed without libFuzzer or clang. The dispatch
// target's inputs get only the decoder checks here, not a daemon.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/frame_property.h"
#include "fuzz/structured_input.h"
#include "ipc/codec.h"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs(const std::string& sub) {
  std::vector<fs::path> out;
  fs::path dir = fs::path(CAIRN_SOURCE_DIR) / "fuzz" / sub;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename().string()[0] != '.' &&
        e.path().filename() != "README.md") {
      out.push_back(e.path());
    }
  }
  return out;
}

void replay(const std::vector<fs::path>& files) {
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Aborts with the violated property on failure.
    cairn::fuzz::check_frame_input(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
}

TEST(Fuzz, CorpusThroughTheFrameDecoder) {
  auto files = inputs("corpus");
  EXPECT_GE(files.size(), 20u) << "the seed corpus is missing";
  replay(files);
}

TEST(Fuzz, RegressionsThroughTheFrameDecoder) { replay(inputs("regressions")); }

// The structured seeds of the dispatch target build requests (for made-up
// method names here) that hold the hostile shapes, and the decoder answers
// each frame of them without losing the stream.
TEST(Fuzz, StructuredSeedsBuildRequestsTheDecoderAnswersFrameByFrame) {
  cairn::fuzz::Sandbox box{{"prefs.set", "sessions.create", "db.import", "tasks.list"},
                           {"/dev/zero", "/proc/self/status"}};
  size_t structured = 0, errors_with_id = 0;
  for (const auto& f : inputs("corpus")) {
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != cairn::fuzz::kStructuredMarker) continue;
    SCOPED_TRACE(f.string());
    ++structured;
    std::string req = cairn::fuzz::structured_requests(
        reinterpret_cast<const uint8_t*>(bytes.data()) + 1, bytes.size() - 1, box);
    ASSERT_FALSE(req.empty());
    cairn::fuzz::check_frame_input(reinterpret_cast<const uint8_t*>(req.data()), req.size());
    cairn::ipc::Decoder d;
    d.feed(req);
    for (;;) {
      cairn::ipc::DecodeError err;
      bool failed = false;
      auto m = d.next(err, failed);
      if (failed && err.msgid) ++errors_with_id;
      if (failed && err.fatal) break;
      if (!failed && !m) break;
    }
  }
  EXPECT_GE(structured, 5u) << "the structured seeds are missing";
  // Integer and repeated keys inside params are answered to their request.
  EXPECT_GE(errors_with_id, 2u);
}

}  // namespace
