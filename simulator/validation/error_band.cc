#include "simulator/validation/error_band.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "simulator/simulate.h"

namespace cb::sim {

std::vector<BandRow> ParseErrorBands(const std::string& csv_text, const std::string& origin) {
  std::vector<BandRow> out;
  std::istringstream in(csv_text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#' || line.rfind("arch,", 0) == 0) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
    if (f.size() != 8) {
      throw ConfigError(fmt::format(
          "{}:{}: expected 8 fields (arch,family,scale,rows,median,low,high,max_gpus), got {}", origin, n, f.size()));
    }
    BandRow b;
    b.arch = f[0];
    b.family = f[1];
    b.scale = f[2];
    try {
      b.rows = std::stoll(f[3]);
      b.median = std::stod(f[4]);
      b.low = std::stod(f[5]);
      b.high = std::stod(f[6]);
      b.max_gpus = std::stoll(f[7]);
    } catch (const std::exception&) {
      throw ConfigError(fmt::format("{}:{}: a number field does not parse: '{}'", origin, n, line));
    }
    if (!(b.low <= b.median && b.median <= b.high) || b.low <= -1) {
      throw ConfigError(fmt::format("{}:{}: needs -1 < low <= median <= high", origin, n));
    }
    out.push_back(b);
  }
  return out;
}

std::vector<BandRow> LoadErrorBands(const std::vector<std::string>& config_dirs) {
  for (const std::string& dir : config_dirs) {
    const std::string path = dir + "/validation/error-bands.csv";
    std::ifstream f(path);
    if (!f) continue;
    std::stringstream text;
    text << f.rdbuf();
    return ParseErrorBands(text.str(), path);
  }
  return {};
}

PredictionClass ClassOf(const std::string& architecture, bool moe, int zero, int64_t gpus) {
  PredictionClass c;
  c.arch = architecture == "ampere" || architecture == "hopper" || architecture == "blackwell" ? architecture : "other";
  c.family = moe ? "moe" : (zero >= 3 ? "fsdp" : "3d");
  c.scale = gpus <= 512 ? "<=512" : (gpus <= 4096 ? "<=4096" : ">4096");
  return c;
}

PredictionClass ClassOf(const Scenario& s, int zero, int64_t gpus) {
  return ClassOf(s.gpu.architecture, s.model.moe.has_value(), zero, gpus);
}

PredictionBand BandFor(const std::vector<BandRow>& bands, const PredictionClass& c, int64_t gpus, double step_s) {
  PredictionBand p;
  p.prediction_class = c.Name();
  const std::string keys[4][3] = {
      {c.arch, c.family, c.scale}, {c.arch, c.family, "*"}, {c.arch, "*", "*"}, {"*", "*", "*"}};
  for (int level = 0; level < 4 && !p.known; ++level) {
    for (const BandRow& b : bands) {
      if (b.arch != keys[level][0] || b.family != keys[level][1] || b.scale != keys[level][2]) continue;
      p.known = true;
      p.band_class = b.arch + "/" + b.family + "/" + b.scale;
      p.rows = b.rows;
      p.median = b.median;
      p.low = b.low;
      p.high = b.high;
      p.central_s = step_s / (1 + b.median);
      p.low_s = step_s / (1 + b.high);
      p.high_s = step_s / (1 + b.low);
      if (level > 0) {
        p.validated = false;
        p.warning = fmt::format("no validated run of class {}; the band of {} ({} runs) is used", c.Name(),
                                p.band_class, b.rows);
      } else if (gpus > b.max_gpus) {
        p.validated = false;
        p.warning = fmt::format("{} GPUs is beyond the largest validated run of class {} ({} GPUs)", gpus, c.Name(),
                                b.max_gpus);
      }
      break;
    }
  }
  if (!p.known) {
    p.validated = false;
    p.warning = "no validation bands found (configs/validation/error-bands.csv)";
  }
  return p;
}

PredictionBand BandForResult(const std::vector<BandRow>& bands, const Scenario& s, const SimResult& r) {
  return BandFor(bands, ClassOf(s, s.par.zero, r.gpus_used), r.gpus_used, r.step_time_s);
}

}  // namespace cb::sim
