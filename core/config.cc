#include "core/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/file_check.h"
#include "core/version.h"

namespace fs = std::filesystem;

namespace cb {

// ================================================================ ConfigNode

ConfigNode ConfigNode::Scalar(Kind k, std::string text, std::string path, std::string where) {
  ConfigNode n;
  n.kind_ = k;
  n.path_ = std::move(path);
  n.where_ = std::move(where);
  n.text_ = std::move(text);
  switch (k) {
    case Kind::kInt:
      n.int_ = std::stoll(n.text_);
      n.double_ = static_cast<double>(n.int_);
      break;
    case Kind::kFloat:
      n.double_ = std::stod(n.text_);
      break;
    case Kind::kBool:
      n.bool_ = (n.text_ == "true");
      break;
    default:
      break;
  }
  return n;
}

ConfigNode ConfigNode::Object(std::string path, std::string where) {
  ConfigNode n;
  n.kind_ = Kind::kObject;
  n.path_ = std::move(path);
  n.where_ = std::move(where);
  return n;
}

ConfigNode ConfigNode::List(std::string path, std::string where) {
  ConfigNode n;
  n.kind_ = Kind::kList;
  n.path_ = std::move(path);
  n.where_ = std::move(where);
  return n;
}

void ConfigNode::Set(const std::string& key, ConfigNode child) {
  if (!children_.count(key)) order_.push_back(key);
  children_[key] = std::move(child);
}

void ConfigNode::Append(ConfigNode item) { items_.push_back(std::move(item)); }

bool ConfigNode::Has(const std::string& key) const {
  auto it = children_.find(key);
  return it != children_.end() && it->second.kind_ != Kind::kNull;
}

const ConfigNode* ConfigNode::Find(const std::string& dotted) const {
  const ConfigNode* n = this;
  std::stringstream ss(dotted);
  std::string part;
  while (std::getline(ss, part, '.')) {
    if (n->kind_ == Kind::kList) {
      char* end = nullptr;
      unsigned long idx = std::strtoul(part.c_str(), &end, 10);
      if (part.empty() || *end || idx >= n->items_.size()) return nullptr;
      n = &n->items_[idx];
      continue;
    }
    auto it = n->children_.find(part);
    if (it == n->children_.end() || it->second.kind_ == Kind::kNull) return nullptr;
    n = &it->second;
  }
  return n;
}

const ConfigNode& ConfigNode::at(const std::string& dotted) const {
  const ConfigNode* n = Find(dotted);
  if (!n) {
    std::string full = path_.empty() ? dotted : path_ + "." + dotted;
    throw ConfigError(fmt::format("{}: missing key '{}'", where_.empty() ? "<config>" : where_, full));
  }
  return *n;
}

void ConfigNode::TypeError(const char* wanted) const {
  throw ConfigError(fmt::format("{}: key '{}': expected {}", where_, path_, wanted));
}

int64_t ConfigNode::AsInt() const {
  if (kind_ != Kind::kInt) TypeError("an integer");
  return int_;
}

double ConfigNode::AsDouble() const {
  if (kind_ != Kind::kInt && kind_ != Kind::kFloat) TypeError("a number");
  return double_;
}

bool ConfigNode::AsBool() const {
  if (kind_ != Kind::kBool) TypeError("true or false");
  return bool_;
}

const std::string& ConfigNode::AsString() const {
  if (kind_ == Kind::kObject || kind_ == Kind::kList || kind_ == Kind::kNull) TypeError("a scalar");
  return text_;
}

const std::vector<ConfigNode>& ConfigNode::items() const {
  if (kind_ != Kind::kList) TypeError("a list");
  return items_;
}

std::vector<std::string> ConfigNode::keys() const { return order_; }

double ConfigNode::GetDouble(const std::string& dotted, double fallback) const {
  return FindDouble(dotted).value_or(fallback);
}
std::optional<double> ConfigNode::FindDouble(const std::string& dotted) const {
  const ConfigNode* n = Find(dotted);
  if (!n) return std::nullopt;
  return n->AsDouble();
}
int64_t ConfigNode::GetInt(const std::string& dotted, int64_t fallback) const {
  const ConfigNode* n = Find(dotted);
  return n ? n->AsInt() : fallback;
}
std::string ConfigNode::GetString(const std::string& dotted, const std::string& fallback) const {
  const ConfigNode* n = Find(dotted);
  return n ? n->AsString() : fallback;
}
bool ConfigNode::GetBool(const std::string& dotted, bool fallback) const {
  const ConfigNode* n = Find(dotted);
  return n ? n->AsBool() : fallback;
}

namespace {

void EmitNode(YAML::Emitter& out, const ConfigNode& n) {
  switch (n.kind()) {
    case ConfigNode::Kind::kNull:
      out << YAML::Null;
      break;
    case ConfigNode::Kind::kInt:
      out << n.AsInt();
      break;
    case ConfigNode::Kind::kFloat:
      // yaml-cpp 0.7 writes doubles with 17 digits (0.29999999999999999).
      out << FormatRoundTrip(n.AsDouble());
      break;
    case ConfigNode::Kind::kBool:
      out << n.AsBool();
      break;
    case ConfigNode::Kind::kString:
      out << n.AsString();
      break;
    case ConfigNode::Kind::kObject:
      out << YAML::BeginMap;
      for (const auto& k : n.keys()) {
        const ConfigNode& c = n.children().at(k);
        if (c.kind() == ConfigNode::Kind::kNull) continue;
        out << YAML::Key << k << YAML::Value;
        EmitNode(out, c);
      }
      out << YAML::EndMap;
      break;
    case ConfigNode::Kind::kList:
      out << YAML::BeginSeq;
      for (const auto& i : n.items()) EmitNode(out, i);
      out << YAML::EndSeq;
      break;
  }
}

}  // namespace

std::string ConfigNode::ToYaml() const {
  YAML::Emitter out;
  EmitNode(out, *this);
  return std::string(out.c_str()) + "\n";
}

// ================================================================ schema text

namespace {

std::string TypeText(const Field& f) {
  switch (f.type) {
    case FieldType::kInt:
      return "int";
    case FieldType::kFloat:
      return "float";
    case FieldType::kBool:
      return "bool";
    case FieldType::kString:
      return "string";
    case FieldType::kEnum: {
      std::string s;
      for (const auto& c : f.choices) s += (s.empty() ? "" : "|") + c;
      return s;
    }
    case FieldType::kQuantity:
      return fmt::format("{} [{}]", DimensionName(f.dimension), SiUnit(f.dimension));
    case FieldType::kObject:
      return "map";
    case FieldType::kList:
      return "list";
    case FieldType::kRef:
      return fmt::format("{} (name, path or inline)", f.ref_kind);
  }
  return "?";
}

// A value as errors print it: a long one (300 digits) cut short.
std::string Shortened(const std::string& s) {
  return s.size() <= 24 ? s : fmt::format("{}... ({} characters)", s.substr(0, 12), s.size());
}

std::string RangeText(const Field& f) {
  auto num = [&](double v) {
    return f.type == FieldType::kQuantity ? FormatQuantity(v, f.dimension) : FormatNumber(v);
  };
  if (f.min && f.max) return fmt::format("{}{}..{}", f.min_exclusive ? ">" : "", num(*f.min), num(*f.max));
  if (f.min) return fmt::format("{} {}", f.min_exclusive ? ">" : ">=", num(*f.min));
  if (f.max) return fmt::format("<= {}", num(*f.max));
  return "";
}

void DescribeFields(const std::vector<Field>& fields, const std::string& prefix,
                    std::vector<std::vector<std::string>>* rows) {
  for (const Field& f : fields) {
    std::string path = prefix.empty() ? f.key : prefix + "." + f.key;
    std::string def = f.required ? "(required)" : (f.default_value.empty() ? "-" : f.default_value);
    std::string desc = f.description;
    std::string range = RangeText(f);
    if (!range.empty()) desc += fmt::format(" [{}]", range);
    rows->push_back({path, TypeText(f), def, desc});
    if (f.type == FieldType::kObject) DescribeFields(f.children, path, rows);
    if (f.type == FieldType::kList && !f.children.empty()) {
      const Field& item = f.children.front();
      if (item.type == FieldType::kObject) DescribeFields(item.children, path + "[]", rows);
    }
  }
}

}  // namespace

std::string DescribeSchema(const std::string& kind) {
  const Schema& s = GetSchema(kind);
  std::vector<std::vector<std::string>> rows = {{"key", "type [unit]", "default", "description"}};
  DescribeFields(s.fields, "", &rows);
  size_t w[3] = {0, 0, 0};
  for (const auto& r : rows) {
    for (int i = 0; i < 3; ++i) w[i] = std::max(w[i], r[i].size());
  }
  std::string out = fmt::format("{} — {}\nFiles: <config dir>/{}/NAME.yaml\n\n", s.kind, s.description, s.directory);
  for (const auto& r : rows) {
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", r[0], w[0], r[1], w[1], r[2], w[2], r[3]);
  }
  return out;
}

// ================================================================ loading

Override ParseOverride(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw UsageError(fmt::format("--set '{}': expected key.path=value", text));
  }
  Override o{text.substr(0, eq), text.substr(eq + 1)};
  if (o.path.front() == '.' || o.path.back() == '.' || o.path.find("..") != std::string::npos) {
    throw UsageError(fmt::format("--set '{}': malformed key path '{}'", text, o.path));
  }
  return o;
}

namespace {

std::string Where(const std::string& origin, const YAML::Node& n) {
  // Overrides and defaults are not files: line and column would mislead.
  if (origin == "default" || origin.starts_with("--set ")) return origin;
  const YAML::Mark m = n.Mark();
  if (m.is_null()) return origin;
  return fmt::format("{}:{}:{}", origin, m.line + 1, m.column + 1);
}

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Suggest(const std::string& key, const std::vector<std::string>& options) {
  std::string best;
  size_t best_d = 3;  // only close matches
  for (const auto& o : options) {
    size_t d = EditDistance(key, o);
    if (d < best_d) {
      best_d = d;
      best = o;
    }
  }
  return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
}

bool LooksLikePath(const std::string& s) {
  return s.find('/') != std::string::npos || s.ends_with(".yaml") || s.ends_with(".yml");
}

// Validation state for one Load call: the overrides not yet consumed, and the
// chain of files being loaded (to catch reference cycles).
struct Context {
  const ConfigLoader* loader;
  std::map<std::string, Override> overrides;  // by full dotted path
  std::set<std::string> used;
  std::vector<std::string> file_stack;
};

class Validator {
 public:
  explicit Validator(Context* ctx) : ctx_(ctx) {}

  // Validates the document `root` (parsed from `origin`) against `schema`.
  // `prefix` is the key path of this document inside the top-level one.
  ConfigNode Document(const Schema& schema, const YAML::Node& root, const std::string& origin,
                      const std::string& prefix, const std::string& dir) {
    if (root && !root.IsNull() && !root.IsMap()) {
      throw ConfigError(fmt::format("{}: a {} document must be a map of keys, got {}", Where(origin, root), schema.kind,
                                    NodeTypeName(root)));
    }
    Field top;
    top.key = prefix;
    top.type = FieldType::kObject;
    top.children = schema.fields;
    ConfigNode out = Object(top, root ? root : YAML::Node(YAML::NodeType::Map), origin, prefix, dir, schema.kind);
    out.set_source_file(origin);
    return out;
  }

 private:
  static const char* NodeTypeName(const YAML::Node& n) {
    switch (n.Type()) {
      case YAML::NodeType::Map:
        return "a map";
      case YAML::NodeType::Sequence:
        return "a list";
      case YAML::NodeType::Scalar:
        return "a scalar";
      case YAML::NodeType::Null:
        return "nothing";
      default:
        return "an undefined node";
    }
  }

  static std::string Join2(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
  }

  // Returns the override for `path`, if any, as a YAML node, marking it used.
  std::optional<YAML::Node> TakeOverride(const std::string& path, std::string* where) {
    auto it = ctx_->overrides.find(path);
    if (it == ctx_->overrides.end()) return std::nullopt;
    ctx_->used.insert(path);
    *where = fmt::format("--set {}={}", it->second.path, Shortened(it->second.value));
    try {
      return YAML::Load(it->second.value);
    } catch (const YAML::Exception& e) {
      throw ConfigError(fmt::format("{}: value is not valid YAML: {}", *where, e.msg));
    }
  }

  ConfigNode Object(const Field& f, const YAML::Node& node, const std::string& origin, const std::string& path,
                    const std::string& dir, const std::string& kind) {
    std::string where = Where(origin, node);
    if (!node.IsMap()) {
      throw ConfigError(
          fmt::format("{}: key '{}': expected a map, got {}", where, path.empty() ? kind : path, NodeTypeName(node)));
    }
    std::vector<std::string> known;
    for (const Field& c : f.children) known.push_back(c.key);
    std::map<std::string, std::string> seen;  // key -> where it first appeared
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.as<std::string>();
      auto [first, inserted] = seen.emplace(key, Where(origin, it->first));
      if (!inserted) {
        throw ConfigError(fmt::format("{}: duplicate key '{}' (first at {})", Where(origin, it->first),
                                      Join2(path, key), first->second));
      }
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        throw ConfigError(fmt::format("{}: unknown key '{}' in {}{}; known keys: {}", Where(origin, it->first),
                                      Join2(path, key), path.empty() ? kind : "'" + path + "'", Suggest(key, known),
                                      Join(known, ", ")));
      }
    }
    // Overrides addressing keys that do not exist in this object.
    for (const auto& [opath, o] : ctx_->overrides) {
      std::string pre = path.empty() ? "" : path + ".";
      if (!opath.starts_with(pre)) continue;
      std::string rest = opath.substr(pre.size());
      std::string head = rest.substr(0, rest.find('.'));
      if (std::find(known.begin(), known.end(), head) == known.end()) {
        throw ConfigError(fmt::format("--set {}={}: unknown key '{}' in {}{}; known keys: {}", o.path, o.value, opath,
                                      path.empty() ? kind : "'" + path + "'", Suggest(head, known), Join(known, ", ")));
      }
    }
    ConfigNode out = ConfigNode::Object(path, where);
    for (const Field& c : f.children) {
      std::string cpath = Join2(path, c.key);
      // A missing key yields an invalid node that cannot be assigned to:
      // start from an empty one and rebind.
      YAML::Node child;
      if (const YAML::Node found = node[c.key]) child.reset(found);
      std::string cwhere;
      std::string corigin = origin;
      if (auto o = TakeOverride(cpath, &cwhere)) {
        child.reset(*o);
        corigin = cwhere;
      }
      if (!child || child.IsNull()) {
        if (!c.default_value.empty()) {
          YAML::Node d = YAML::Load(c.default_value);
          out.Set(c.key, Value(c, d, "default", cpath, dir));
        } else if (c.required) {
          throw ConfigError(
              fmt::format("{}: missing required key '{}' ({}: {})", where, cpath, TypeText(c), c.description));
        } else if (c.type == FieldType::kObject) {
          // An absent optional section still gets its defaults and overrides.
          bool any = false;
          for (const auto& [opath, o] : ctx_->overrides) any |= opath.starts_with(cpath + ".");
          // Sections with required keys (moe) stay absent unless overridden;
          // sections of defaults (power) appear with their defaults.
          bool defaults = false, required = false;
          for (const Field& g : c.children) {
            defaults |= !g.default_value.empty();
            required |= g.required;
          }
          if (any || (defaults && !required))
            out.Set(c.key, Object(c, YAML::Node(YAML::NodeType::Map), corigin, cpath, dir, kind));
        }
        continue;
      }
      out.Set(c.key, Value(c, child, corigin, cpath, dir));
    }
    return out;
  }

  ConfigNode Value(const Field& f, const YAML::Node& node, const std::string& origin, const std::string& path,
                   const std::string& dir) {
    std::string where = Where(origin, node);
    auto fail = [&](const std::string& what) -> ConfigError {
      return ConfigError(fmt::format("{}: key '{}': {}", where, path, what));
    };
    auto scalar = [&]() -> std::string {
      if (!node.IsScalar()) throw fail(fmt::format("expected {}, got {}", TypeText(f), NodeTypeName(node)));
      return node.Scalar();
    };
    auto check_range = [&](double v, const std::string& shown) {
      bool low = f.min && (f.min_exclusive ? v <= *f.min : v < *f.min);
      bool high = f.max && v > *f.max;
      if (low || high) throw fail(fmt::format("value {} is out of range (must be {})", shown, RangeText(f)));
    };
    switch (f.type) {
      case FieldType::kInt: {
        std::string s = scalar();
        size_t pos = 0;
        long long v = 0;
        try {
          v = std::stoll(s, &pos, 10);
        } catch (const std::out_of_range&) {
          // An integer past 64 bits is past every key's bounds: say so with
          // the bounds, and with a 300-digit value cut short.
          const std::string range = RangeText(f);
          throw fail(fmt::format("value {} is out of range (must be {})", Shortened(s),
                                 range.empty() ? "-9223372036854775808..9223372036854775807" : range));
        } catch (const std::exception&) {
          pos = 0;
        }
        if (pos != s.size() || s.empty()) throw fail(fmt::format("expected an integer, got '{}'", s));
        check_range(static_cast<double>(v), s);
        return ConfigNode::Scalar(ConfigNode::Kind::kInt, std::to_string(v), path, where);
      }
      case FieldType::kFloat: {
        std::string s = scalar();
        std::string why;
        auto v = ParseQuantity(s, Dimension::kDimensionless, &why);
        if (!v) throw fail(fmt::format("expected a number, got '{}'", s));
        check_range(*v, s);
        return ConfigNode::Scalar(ConfigNode::Kind::kFloat, FormatRoundTrip(*v), path, where);
      }
      case FieldType::kBool: {
        std::string s = scalar();
        bool b = false;
        if (!YAML::convert<bool>::decode(node, b)) throw fail(fmt::format("expected true or false, got '{}'", s));
        return ConfigNode::Scalar(ConfigNode::Kind::kBool, b ? "true" : "false", path, where);
      }
      case FieldType::kString: {
        return ConfigNode::Scalar(ConfigNode::Kind::kString, scalar(), path, where);
      }
      case FieldType::kEnum: {
        std::string s = scalar();
        if (std::find(f.choices.begin(), f.choices.end(), s) == f.choices.end()) {
          throw fail(fmt::format("'{}' is not one of {}{}", s, Join(f.choices, ", "), Suggest(s, f.choices)));
        }
        return ConfigNode::Scalar(ConfigNode::Kind::kString, s, path, where);
      }
      case FieldType::kQuantity: {
        std::string s = scalar();
        std::string why;
        auto v = ParseQuantity(s, f.dimension, &why);
        if (!v) throw fail(why);
        check_range(*v, s);
        return ConfigNode::Scalar(ConfigNode::Kind::kFloat, FormatRoundTrip(*v), path, where);
      }
      case FieldType::kObject:
        return Object(f, node, origin, path, dir, path);
      case FieldType::kList: {
        if (!node.IsSequence()) throw fail(fmt::format("expected a list, got {}", NodeTypeName(node)));
        ConfigNode out = ConfigNode::List(path, where);
        const Field& item = f.children.front();
        for (size_t i = 0; i < node.size(); ++i) {
          std::string ipath = fmt::format("{}.{}", path, i);
          YAML::Node in = node[i];
          std::string iorigin = origin;
          std::string iwhere;
          if (auto o = TakeOverride(ipath, &iwhere)) {
            in.reset(*o);
            iorigin = iwhere;
          }
          out.Append(Value(item, in, iorigin, ipath, dir));
        }
        return out;
      }
      case FieldType::kRef: {
        const Schema& schema = GetSchema(f.ref_kind);
        if (node.IsMap()) {
          return Document(schema, node, origin, path, dir);  // inline
        }
        std::string name = scalar();
        std::string file = ctx_->loader->Resolve(f.ref_kind, name, dir);
        try {
          return LoadFile(schema, file, path);
        } catch (const ConfigError& e) {
          // Say how we got there: the referring key.
          throw ConfigError(fmt::format("{}\n  (loaded from {}: key '{}': {})", e.what(), where, path, name));
        }
      }
    }
    throw fail("unsupported field type");
  }

 public:
  ConfigNode LoadFile(const Schema& schema, const std::string& file, const std::string& prefix) {
    std::string canonical = fs::weakly_canonical(file).string();
    if (std::find(ctx_->file_stack.begin(), ctx_->file_stack.end(), canonical) != ctx_->file_stack.end()) {
      throw ConfigError(
          fmt::format("{}: reference cycle: {} refers back to itself", file, Join(ctx_->file_stack, " -> ")));
    }
    ctx_->file_stack.push_back(canonical);
    YAML::Node root;
    try {
      root = YAML::LoadFile(file);
    } catch (const YAML::BadFile&) {
      throw ConfigError(fmt::format("{}: cannot read file", file));
    } catch (const YAML::Exception& e) {
      throw ConfigError(fmt::format("{}:{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    std::string dir = fs::path(file).parent_path().string();
    ConfigNode out = Document(schema, root, file, prefix, dir.empty() ? "." : dir);
    ctx_->file_stack.pop_back();
    return out;
  }

 private:
  Context* ctx_;
};

void CheckAllOverridesUsed(const Context& ctx, const std::string& kind) {
  for (const auto& [path, o] : ctx.overrides) {
    if (!ctx.used.count(path)) {
      throw ConfigError(
          fmt::format("--set {}={}: key '{}' is not a value in this {} (it names a section or a list "
                      "item that does not exist)",
                      o.path, o.value, path, kind));
    }
  }
}

Context MakeContext(const ConfigLoader* loader, const std::vector<Override>& overrides) {
  Context ctx{loader, {}, {}, {}};
  for (const auto& o : overrides) ctx.overrides[o.path] = o;
  return ctx;
}

}  // namespace

ConfigLoader::ConfigLoader() {
  if (const char* env = std::getenv("CB_CONFIG_PATH")) {
    std::stringstream ss(env);
    std::string d;
    while (std::getline(ss, d, ':')) {
      if (!d.empty()) search_dirs_.push_back(d);
    }
  }
  // An installed binary (<prefix>/bin) reads the configs installed with it
  // (<prefix>/share/clusterbench/configs) before the source tree it was built
  // from: that tree may since have moved on to other versions of the files.
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share/clusterbench/configs";
    if (fs::is_directory(installed, ec)) search_dirs_.push_back(installed.string());
  }
  search_dirs_.push_back(kDefaultConfigDir);
}

ConfigLoader::ConfigLoader(std::vector<std::string> search_dirs) : search_dirs_(std::move(search_dirs)) {}

std::vector<std::string> ConfigLoader::Available(const std::string& kind) const {
  const Schema& schema = GetSchema(kind);
  std::set<std::string> names;
  for (const auto& d : search_dirs_) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(d) / schema.directory, ec)) {
      if (e.path().extension() == ".yaml") names.insert(e.path().stem().string());
    }
  }
  return {names.begin(), names.end()};
}

std::string ConfigLoader::Resolve(const std::string& kind, const std::string& name_or_path,
                                  const std::string& relative_to_dir) const {
  const Schema& schema = GetSchema(kind);
  if (LooksLikePath(name_or_path)) {
    fs::path p(name_or_path);
    if (p.is_relative() && !relative_to_dir.empty()) p = fs::path(relative_to_dir) / p;
    // stat(2) only: a FIFO given as a path is refused, never opened (a read
    // would block until someone writes to it).
    const FileCheck check = CheckInputFile(p.string());
    if (check.problem == FileProblem::kMissing) {
      throw ConfigError(fmt::format("{}: no such {} file", p.string(), kind));
    }
    if (check.problem != FileProblem::kNone) {
      throw ConfigError(fmt::format("{}: {}; expected a {} file", p.string(), check.text, kind));
    }
    return p.string();
  }
  for (const auto& d : search_dirs_) {
    fs::path p = fs::path(d) / schema.directory / (name_or_path + ".yaml");
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  auto known = Available(kind);
  throw ConfigError(fmt::format("unknown {} '{}'{}; known: {} (searched {})", kind, name_or_path,
                                Suggest(name_or_path, known), known.empty() ? "none" : Join(known, ", "),
                                Join(search_dirs_, ":")));
}

ConfigNode ConfigLoader::Load(const std::string& kind, const std::string& name_or_path,
                              const std::vector<Override>& overrides) const {
  const Schema& schema = GetSchema(kind);
  std::string file = Resolve(kind, name_or_path, "");
  Context ctx = MakeContext(this, overrides);
  Validator v(&ctx);
  ConfigNode out = v.LoadFile(schema, file, "");
  CheckAllOverridesUsed(ctx, kind);
  return out;
}

ConfigNode ConfigLoader::LoadString(const std::string& kind, const std::string& yaml, const std::string& origin,
                                    const std::vector<Override>& overrides) const {
  const Schema& schema = GetSchema(kind);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}:{}:{}: invalid YAML: {}", origin, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  Context ctx = MakeContext(this, overrides);
  Validator v(&ctx);
  ConfigNode out = v.Document(schema, root, origin, "", ".");
  CheckAllOverridesUsed(ctx, kind);
  return out;
}

}  // namespace cb
