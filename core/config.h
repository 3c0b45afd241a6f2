// Configuration documents: schemas, loading, validation, overrides.
//
// Five document kinds (gpu, cluster, model, scenario, suite) each have a schema
// in which every key has a type, a unit, a default and a one-line description
// (`clusterbench config describe KIND` prints it). Loading a document:
//   1. parses YAML (yaml-cpp; this file is its only user),
//   2. resolves references to other documents — by name (`gpu: h100-sxm` loads
//      <config dir>/gpus/h100-sxm.yaml), by relative path (relative to the
//      referring file), or inline (a map),
//   3. applies `--set key.path=value` overrides (which may reach into
//      referenced documents: `--set cluster.gpus=1024`),
//   4. validates every key: unknown keys, wrong types, bad units and values out
//      of range are ConfigErrors naming file:line:column and the key path,
//   5. fills defaults and converts quantities to SI base units.
// The result is a ConfigNode tree that remembers where each value came from.
#ifndef CLUSTERBENCH_CORE_CONFIG_H_
#define CLUSTERBENCH_CORE_CONFIG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/units.h"

namespace cb {

// ---------------------------------------------------------------- schema

enum class FieldType { kInt, kFloat, kBool, kString, kEnum, kQuantity, kObject, kList, kRef };

struct Field {
  std::string key;
  FieldType type = FieldType::kString;
  std::string description;
  std::string default_value;  // YAML text; empty = no default
  bool required = false;
  Dimension dimension = Dimension::kDimensionless;  // kQuantity
  std::optional<double> min;                        // SI units; inclusive unless min_exclusive
  bool min_exclusive = false;
  std::optional<double> max;
  std::vector<std::string> choices;  // kEnum
  std::vector<Field> children;       // kObject: its keys; kList: one element = the item
  std::string ref_kind;              // kRef: document kind referred to
};

struct Schema {
  std::string kind;       // gpu, cluster, model, scenario, suite
  std::string directory;  // under a config dir: gpus, clusters, ...
  std::string description;
  std::vector<Field> fields;
};

// Known kinds, in a fixed order.
std::vector<std::string> SchemaKinds();
// Throws ConfigError naming the known kinds if `kind` is unknown.
const Schema& GetSchema(const std::string& kind);
// Text table of every key path: type and unit, default, description.
std::string DescribeSchema(const std::string& kind);

// ---------------------------------------------------------------- values

class ConfigNode {
 public:
  enum class Kind { kNull, kInt, kFloat, kBool, kString, kObject, kList };

  Kind kind() const { return kind_; }
  const std::string& path() const { return path_; }    // "cluster.scale_up.bandwidth"
  const std::string& where() const { return where_; }  // "file.yaml:12:5", "--set", "default"
  const std::string& source_file() const { return source_file_; }

  bool Has(const std::string& key) const;  // direct child present (not null)
  // Dotted path lookup ("scale_up.bandwidth"); throws ConfigError if absent.
  const ConfigNode& at(const std::string& dotted) const;
  const ConfigNode* Find(const std::string& dotted) const;  // nullptr if absent

  int64_t AsInt() const;
  double AsDouble() const;  // ints convert
  bool AsBool() const;
  const std::string& AsString() const;
  const std::vector<ConfigNode>& items() const;  // kList
  const std::map<std::string, ConfigNode>& children() const { return children_; }
  std::vector<std::string> keys() const;  // in document order

  // Convenience: value at dotted path, or `fallback` when absent.
  double GetDouble(const std::string& dotted, double fallback) const;
  // Value at dotted path, or nullopt when absent (an optional figure: prices, MTBFs).
  std::optional<double> FindDouble(const std::string& dotted) const;
  int64_t GetInt(const std::string& dotted, int64_t fallback) const;
  std::string GetString(const std::string& dotted, const std::string& fallback) const;
  bool GetBool(const std::string& dotted, bool fallback) const;

  // Effective configuration as YAML (SI units), for results files.
  std::string ToYaml() const;

  // Builders (used by the loader and by tests).
  static ConfigNode Scalar(Kind k, std::string text, std::string path, std::string where);
  static ConfigNode Object(std::string path, std::string where);
  static ConfigNode List(std::string path, std::string where);
  void Set(const std::string& key, ConfigNode child);
  void Append(ConfigNode item);
  void set_source_file(std::string f) { source_file_ = std::move(f); }

 private:
  [[noreturn]] void TypeError(const char* wanted) const;

  Kind kind_ = Kind::kNull;
  std::string text_;  // scalar value, canonical text
  int64_t int_ = 0;
  double double_ = 0;
  bool bool_ = false;
  std::string path_;
  std::string where_;
  std::string source_file_;
  std::map<std::string, ConfigNode> children_;
  std::vector<std::string> order_;
  std::vector<ConfigNode> items_;
};

// ---------------------------------------------------------------- loading

struct Override {
  std::string path;   // dotted key path; list items by index ("checks.0.repeats")
  std::string value;  // YAML text
};

// Parses "a.b.c=value" (from --set); throws UsageError when malformed.
Override ParseOverride(const std::string& text);

class ConfigLoader {
 public:
  // Search path for documents referred to by name: $CB_CONFIG_PATH (colon
  // separated), then <executable dir>/../share/clusterbench/configs when it
  // exists (an installed binary's own configs), then the source tree's
  // configs/ (compiled in).
  ConfigLoader();
  explicit ConfigLoader(std::vector<std::string> search_dirs);

  const std::vector<std::string>& search_dirs() const { return search_dirs_; }

  // `name_or_path`: a file path (contains '/' or ends in .yaml/.yml) or a
  // document name looked up under <dir>/<kind directory>/<name>.yaml.
  ConfigNode Load(const std::string& kind, const std::string& name_or_path,
                  const std::vector<Override>& overrides = {}) const;
  // Parses YAML text (for tests and inline use); `origin` names it in errors.
  ConfigNode LoadString(const std::string& kind, const std::string& yaml, const std::string& origin,
                        const std::vector<Override>& overrides = {}) const;

  // Resolves a name to a file path; throws ConfigError listing what exists.
  std::string Resolve(const std::string& kind, const std::string& name_or_path,
                      const std::string& relative_to_dir) const;
  // Names of the shipped documents of a kind (file stems), sorted.
  std::vector<std::string> Available(const std::string& kind) const;

 private:
  std::vector<std::string> search_dirs_;
};

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_CONFIG_H_
