// Expected range of a prediction, from the validation residuals of its class.
//
// scripts/validation_table.py compares the simulator with published training
// runs and writes, per class (GPU architecture x parallelism family x scale),
// the median and the 10th/90th percentiles of error = (simulated − published)
// / published, widened to at least ±5% around the median
// (configs/validation/error-bands.csv; '*' rows are coarser fall-backs). A
// prediction of step time T in a class with band [lo, hi] is expected to be
// T/(1 + hi) .. T/(1 + lo) in reality, with T/(1 + median) the central estimate.
// A prediction outside the validated region — larger than any published run of
// its class, or a class with no row — carries a warning.
#ifndef CLUSTERBENCH_SIMULATOR_VALIDATION_ERROR_BAND_H_
#define CLUSTERBENCH_SIMULATOR_VALIDATION_ERROR_BAND_H_

#include <cstdint>
#include <string>
#include <vector>

namespace cb::sim {

struct Scenario;
struct SimResult;

struct BandRow {
  std::string arch, family, scale;  // "*" = any
  int64_t rows = 0;
  double median = 0, low = 0, high = 0;
  int64_t max_gpus = 0;  // largest published run of the class
};

// Reads `<dir>/validation/error-bands.csv` from the first of `config_dirs`
// that has it; empty when none does. Throws ConfigError naming the file and
// line of a malformed row.
std::vector<BandRow> LoadErrorBands(const std::vector<std::string>& config_dirs);
std::vector<BandRow> ParseErrorBands(const std::string& csv_text, const std::string& origin);

// Class of a prediction: architecture (ampere, hopper, blackwell, other),
// family (moe if the model has experts, fsdp under ZeRO-3, else 3d), scale
// (<=512, <=4096, >4096 GPUs).
struct PredictionClass {
  std::string arch, family, scale;
  std::string Name() const { return arch + "/" + family + "/" + scale; }
};
PredictionClass ClassOf(const std::string& architecture, bool moe, int zero, int64_t gpus);
// The class of a layout of this scenario's model and GPU (plan and compare
// judge other layouts than the scenario's own: their ZeRO stage and size).
PredictionClass ClassOf(const Scenario& s, int zero, int64_t gpus);

struct PredictionBand {
  bool known = false;            // a band was found
  std::string prediction_class;  // the prediction's own class
  std::string band_class;        // the class whose band was used (may be a fall-back)
  int64_t rows = 0;              // published runs behind it
  double median = 0, low = 0, high = 0;
  double central_s = 0, low_s = 0, high_s = 0;  // expected step-time range
  bool validated = true;                        // inside the validated region
  std::string warning;                          // why not, when not
};
PredictionBand BandFor(const std::vector<BandRow>& bands, const PredictionClass& c, int64_t gpus, double step_s);
// The band of a simulated scenario (its class from the GPU, model and layout).
PredictionBand BandForResult(const std::vector<BandRow>& bands, const Scenario& s, const SimResult& r);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_VALIDATION_ERROR_BAND_H_
