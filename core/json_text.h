// JSON text as every command prints or writes it (`--format json`, traces,
// validate's report).
#ifndef CLUSTERBENCH_CORE_JSON_TEXT_H_
#define CLUSTERBENCH_CORE_JSON_TEXT_H_

#include <nlohmann/json.hpp>
#include <string>

namespace cb {

// Always valid UTF-8: an invalid byte in a name (a scenario, suite or cluster
// `name:` with byte 0xff) becomes U+FFFD instead of making the JSON library
// throw. `indent` < 0: one line.
std::string JsonText(const nlohmann::json& j, int indent = 2);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_JSON_TEXT_H_
