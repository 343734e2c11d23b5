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

}  // namespace
