// Which datasheet (configs/gpus/*.yaml) a GPU is: the one owner of the rule
// (kernels' pct_of_peak, calibrate's profile). A device name is matched
// against each document's `match:` substrings, case-insensitively; the longest
// matching substring wins, so "NVIDIA GB200" is gb200 (match "GB200") and not
// b200 (match "B200"); two documents matching with equally long substrings is
// ambiguous and matches neither, with a note.
#ifndef CLUSTERBENCH_CORE_GPU_MATCH_H_
#define CLUSTERBENCH_CORE_GPU_MATCH_H_

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"

namespace cb {

// The length of the longest of `patterns` found in `device_name`
// (case-insensitive); 0 when none is.
size_t LongestGpuMatch(const std::string& device_name, const std::vector<std::string>& patterns);

// Every gpu document the loader can see: (name, its `match:` substrings).
std::vector<std::pair<std::string, std::vector<std::string>>> GpuMatchLists(const ConfigLoader& loader);

// Pure matching: candidates are (document name, its match substrings).
// Returns the winning document name, or nullopt with `note` saying why.
std::optional<std::string> MatchGpuName(const std::string& device_name,
                                        const std::vector<std::pair<std::string, std::vector<std::string>>>& candidates,
                                        std::string* note);

// Matches `device_name` against every gpu document the loader can see;
// returns the winning document (its name in `*id` when given).
std::optional<ConfigNode> FindGpuDocument(const std::string& device_name, const ConfigLoader& loader, std::string* note,
                                          std::string* id = nullptr);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_GPU_MATCH_H_
