#include "daemon/logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "base/paths.h"
#include "base/private_mode.h"

namespace cairn {

Status init_logging(const std::string& level, const std::string& log_file) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return invalid_params("unknown log level " + level +
                          " (trace, debug, info, warn, error, critical, off)");
  }
  std::vector<spdlog::sink_ptr> sinks;
  if (std::getenv("JOURNAL_STREAM")) {
    sinks.push_back(std::make_shared<spdlog::sinks::systemd_sink_mt>("cairnd"));
  } else {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  }
  if (!log_file.empty()) {
    CAIRN_RETURN_IF_ERROR(make_dirs(parent_dir(log_file), 0700));
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          log_file, 16u << 20, 3));
    } catch (const spdlog::spdlog_ex& e) {
      return Status(Code::kIoError, std::string("cannot open log file: ") + e.what());
    }
    // A log made before files were private stays readable only by its owner now.
    tighten_mode(log_file);
  }
  auto logger = std::make_shared<spdlog::logger>("cairnd", sinks.begin(), sinks.end());
  logger->set_level(lvl);
  logger->flush_on(lvl);  // what is logged is written at once: a crash loses nothing
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%t] %v");
  spdlog::set_default_logger(logger);
  return Status::ok();
}

}  // namespace cairn
