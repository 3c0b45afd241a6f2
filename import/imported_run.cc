#include "import/imported_run.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "import/nccl_tests.h"
#include "import/nvbandwidth.h"
#include "import/osu.h"

namespace cb::importer {

Format ParseFormat(const std::string& name) {
  if (name == "nccl-tests") return Format::kNcclTestsText;
  if (name == "nccl-tests-json") return Format::kNcclTestsJson;
  if (name == "nvbandwidth") return Format::kNvbandwidthJson;
  if (name == "osu") return Format::kOsuText;
  throw UsageError(fmt::format(
      "--from {}: not a format clusterbench imports (nccl-tests, nccl-tests-json, nvbandwidth, osu)", name));
}

const char* FormatName(Format f) {
  switch (f) {
    case Format::kNcclTestsText:
      return "nccl-tests";
    case Format::kNcclTestsJson:
      return "nccl-tests-json";
    case Format::kNvbandwidthJson:
      return "nvbandwidth";
    case Format::kOsuText:
      return "osu";
  }
  return "?";
}

Format DetectFormat(const std::string& path, const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    if (text.find("\"nvbandwidth\"") != std::string::npos) return Format::kNvbandwidthJson;
    if (text.find("\"results\"") != std::string::npos || text.find("\"nccl_version\"") != std::string::npos) {
      return Format::kNcclTestsJson;
    }
    throw IoError(
        fmt::format("{}: a JSON document clusterbench does not import (nccl-tests -J has 'config' and "
                    "'results', nvbandwidth -j has 'nvbandwidth')",
                    path));
  }
  if (text.find("# OSU MPI") != std::string::npos) return Format::kOsuText;
  if (text.find(" nThread ") != std::string::npos || text.find("# Collective test starting") != std::string::npos) {
    return Format::kNcclTestsText;
  }
  throw IoError(
      fmt::format("{}: not a format clusterbench imports: nccl-tests text output (a '# nThread ... nGpus' "
                  "line) or its -J JSON",
                  path));
}

std::vector<ImportedRun> ImportText(const std::string& path, const std::string& text, Format format,
                                    const ImportOptions& options) {
  switch (format) {
    case Format::kNcclTestsText:
      return ParseNcclTestsText(path, text, options);
    case Format::kNcclTestsJson:
      return ParseNcclTestsJson(path, text, options);
    case Format::kNvbandwidthJson:
      return ParseNvbandwidthJson(path, text);
    case Format::kOsuText:
      return ParseOsuText(path, text, options);
  }
  throw RuntimeError("unknown import format");
}

std::vector<ImportedRun> ImportFile(const std::string& path, const Format* format, const ImportOptions& options) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    throw IoError(fmt::format("{}: {}", path, errno == ENOENT ? "no such file" : std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) throw IoError(fmt::format("{}: is a directory", path));
  if (!S_ISREG(st.st_mode)) throw IoError(fmt::format("{}: is not a regular file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot be read: {}", path, std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (text.empty()) throw IoError(fmt::format("{}: the file is empty", path));
  return ImportText(path, text, format ? *format : DetectFormat(path, text), options);
}

}  // namespace cb::importer
