#include "config/config.hpp"
#include "core/pattern.hpp"

#include <map>

#include "transport/provider.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <tuple>

#include "core/atomic_file.hpp"
#include "core/json_schema.hpp"
#include "core/resources.hpp"
#include "core/text.hpp"
#include "core/yaml.hpp"

namespace arborist::config {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value || !*value) return std::nullopt;
    return std::string(value);
  };
}

const char* layer_name(Layer layer) {
  switch (layer) {
    case Layer::defaults: return "default";
    case Layer::user: return "user";
    case Layer::project: return "project";
    case Layer::env: return "env";
    case Layer::flag: return "flag";
  }
  return "?";
}

std::string Origin::describe() const {
  std::string out = layer_name(layer);
  if (!file.empty()) {
    out += " " + file;
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  }
  if (!source.empty()) out += " " + source;
  return out;
}

void apply_limits(const Config& config) {
  set_input_limits(config.limits);
}

const std::vector<std::string>& builtin_types() {
  // Every registered runner usable by its bare name (command and http need a profile).
  static const std::vector<std::string> types = [] {
    std::vector<std::string> out;
    for (const auto* d : runners::builtin_registry().descriptors())
      if (!d->needs_profile) out.push_back(d->type);
    return out;
  }();
  return types;
}

namespace {

// ---- JSON pointers ---------------------------------------------------------


// "/runners/fast/api_key" -> "runners.fast.api_key", the way users write keys.
std::string dotted(const std::string& pointer) {
  std::string out;
  for (const auto& part : yaml::pointer_split(pointer)) out += (out.empty() ? "" : ".") + part;
  return out.empty() ? "(top level)" : out;
}

bool has_prefix(const std::string& pointer, const std::string& prefix) {
  return pointer == prefix || (pointer.starts_with(prefix) && pointer.size() > prefix.size() &&
                               (prefix.empty() || pointer[prefix.size()] == '/'));
}

// ---- the built-in defaults -------------------------------------------------

json builtin_defaults() {
  return json{
      {"defaults", {{"timeout", 120}, {"retries", 3}, {"repair_rounds", 2}, {"stream", true}}},
      {"fallback", json::array()},
      {"models", json::object()},
      {"redact", json::array()},
      {"cache", {{"mode", "on"}, {"ttl", "30d"}, {"max_size", "500MB"}}},
      {"log", {{"enabled", true}, {"bodies", true}}},
      {"output", {{"dagu_version", "auto"}}},
      // core/limits.hpp's defaults, shown by `config show` with their origin.
      {"limits",
       {{"file_mb", InputLimits{}.file_bytes >> 20},
        {"description_kb", InputLimits{}.description_bytes >> 10},
        {"yaml_depth", InputLimits{}.yaml_depth},
        {"yaml_nodes", InputLimits{}.yaml_nodes},
        {"yaml_alias_nodes", InputLimits{}.yaml_alias_nodes},
        {"steps", InputLimits{}.steps},
        {"response_mb", InputLimits{}.response_bytes >> 20}}},
      {"lint", {{"disable", json::array()}, {"strict", false}, {"shellcheck", true}}},
  };
}

// ---- layering ----------------------------------------------------------------

struct Merger {
  json& tree;
  std::map<std::string, Origin>& origins;

  void record(const json& value, const std::string& pointer, const std::function<Origin(const std::string&)>& at) {
    origins[pointer] = at(pointer);
    if (value.is_object())
      for (auto it = value.begin(); it != value.end(); ++it)
        record(it.value(), pointer + "/" + yaml::pointer_escape(it.key()), at);
    else if (value.is_array())
      for (size_t i = 0; i < value.size(); ++i) record(value[i], pointer + "/" + std::to_string(i), at);
  }

  // Objects merge key by key; anything else (arrays included) replaces what was there.
  void merge(json& target, const json& value, const std::string& pointer,
             const std::function<Origin(const std::string&)>& at) {
    if (target.is_object() && value.is_object()) {
      if (!pointer.empty() || origins.find(pointer) == origins.end()) origins[pointer] = at(pointer);
      for (auto it = value.begin(); it != value.end(); ++it) {
        std::string child = pointer + "/" + yaml::pointer_escape(it.key());
        if (!target.contains(it.key())) target[it.key()] = nullptr;
        merge(target[it.key()], it.value(), child, at);
      }
      return;
    }
    for (auto it = origins.lower_bound(pointer); it != origins.end() && has_prefix(it->first, pointer);)
      it = origins.erase(it);
    target = value;
    record(value, pointer, at);
  }
};

// ---- interpolation -----------------------------------------------------------

struct FileLayer {
  fs::path path;
  Layer layer;
  yaml::Document document;
  std::vector<std::string> literal_keys;  // pointers of api_key values written literally
  std::map<std::string, std::vector<Problem>> unresolved;  // runner profile -> unset ${VAR}s
};

void interpolate_tree(json& value, const std::string& pointer, const EnvLookup& env, FileLayer& layer,
                      std::vector<Problem>& problems) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it)
      interpolate_tree(it.value(), pointer + "/" + yaml::pointer_escape(it.key()), env, layer, problems);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i)
      interpolate_tree(value[i], pointer + "/" + std::to_string(i), env, layer, problems);
  } else if (value.is_string()) {
    const std::string raw = value.get<std::string>();
    if (pointer.ends_with("/api_key") && raw.find("${") == std::string::npos) layer.literal_keys.push_back(pointer);
    auto result = interpolate(raw, env, dotted(pointer));
    if (!result) {
      Problem p;
      p.message = result.error().message;
      p.hint = result.error().hint;
      p.where = layer.document.location_of(layer.path.string(), pointer);
      p.where.key = pointer;
      // An unset variable in a runner profile matters only to a command that uses that
      // runner: it is kept for select_runner, and a warning says so meanwhile.
      auto parts = yaml::pointer_split(pointer);
      if (parts.size() >= 3 && parts[0] == "runners" && result.error().message.ends_with(" is not set")) {
        layer.unresolved[parts[1]].push_back(p);
        return;  // the text stays as written; select_runner refuses the runner
      }
      problems.push_back(std::move(p));
    } else {
      value = *result;
    }
  }
}

// ---- environment ---------------------------------------------------------------

enum class Kind { string, integer, number, boolean, list };
struct EnvKey {
  const char* variable;
  const char* pointer;
  Kind kind;
};

const std::vector<EnvKey>& env_keys() {
  static const std::vector<EnvKey> keys = {
      {"ARBORIST_RUNNER", "/runner", Kind::string},
      {"ARBORIST_MODEL", "/defaults/model", Kind::string},
      {"ARBORIST_MAX_TOKENS", "/defaults/max_tokens", Kind::integer},
      {"ARBORIST_TEMPERATURE", "/defaults/temperature", Kind::number},
      {"ARBORIST_TIMEOUT", "/defaults/timeout", Kind::number},
      {"ARBORIST_RETRIES", "/defaults/retries", Kind::integer},
      {"ARBORIST_REPAIR_ROUNDS", "/defaults/repair_rounds", Kind::integer},
      {"ARBORIST_FALLBACK", "/fallback", Kind::list},
      {"ARBORIST_TEMPLATES", "/templates", Kind::string},
      {"ARBORIST_CACHE", "/cache/mode", Kind::string},
      {"ARBORIST_CACHE_DIR", "/cache/dir", Kind::string},
      {"ARBORIST_CACHE_TTL", "/cache/ttl", Kind::string},
      {"ARBORIST_CACHE_MAX_SIZE", "/cache/max_size", Kind::string},
      {"ARBORIST_LOG", "/log/enabled", Kind::boolean},
      {"ARBORIST_LOG_PATH", "/log/path", Kind::string},
      {"ARBORIST_LOG_BODIES", "/log/bodies", Kind::boolean},
      {"ARBORIST_BUDGET_DAILY_USD", "/budget/daily_usd", Kind::number},
      {"ARBORIST_DAGU_VERSION", "/output/dagu_version", Kind::string},
      {"ARBORIST_OUTPUT_DIR", "/output/dir", Kind::string},
  };
  return keys;
}

std::optional<json> parse_env_value(const std::string& text, Kind kind) {
  std::string t(text::trim(text));
  try {
    switch (kind) {
      case Kind::string: return json(text);
      case Kind::integer: {
        size_t used = 0;
        long long v = std::stoll(t, &used);
        if (used != t.size()) return std::nullopt;
        return json(v);
      }
      case Kind::number: {
        size_t used = 0;
        double v = std::stod(t, &used);
        if (used != t.size() || !std::isfinite(v)) return std::nullopt;
        if (v == std::floor(v) && std::abs(v) < 1e15) return json(static_cast<long long>(v));
        return json(v);
      }
      case Kind::boolean: {
        std::string l = text::to_lower(t);
        if (l == "1" || l == "true" || l == "yes" || l == "on") return json(true);
        if (l == "0" || l == "false" || l == "no" || l == "off") return json(false);
        return std::nullopt;
      }
      case Kind::list: {
        json out = json::array();
        size_t start = 0;
        while (start <= t.size()) {
          size_t comma = t.find(',', start);
          std::string item(text::trim(t.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
          if (!item.empty()) out.push_back(item);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        return out;
      }
    }
  } catch (...) {
  }
  return std::nullopt;
}

const char* kind_word(Kind kind) {
  switch (kind) {
    case Kind::integer: return "a whole number";
    case Kind::number: return "a number";
    case Kind::boolean: return "true or false (1/0, yes/no)";
    case Kind::list: return "a comma-separated list";
    case Kind::string: return "text";
  }
  return "a value";
}

// ---- schema walk for unknown keys ----------------------------------------------

struct SchemaNav {
  const nlohmann::json& root;

  const nlohmann::json* resolve(const nlohmann::json* node) const {
    for (int guard = 0; node && node->is_object() && node->contains("$ref") && guard < 16; ++guard) {
      std::string ref = (*node)["$ref"].get<std::string>();
      try {
        node = &root.at(nlohmann::json::json_pointer(ref.substr(1)));
      } catch (...) {
        return nullptr;
      }
    }
    return node;
  }

  // Reports keys the schema does not know (with "did you mean") and removes them
  // from `value`, so the schema validator does not report them a second time.
  void unknown_keys(const nlohmann::json* schema, json& value, const std::string& pointer,
                    std::vector<std::pair<std::string, std::string>>& found) const {
    schema = resolve(schema);
    if (!schema || !schema->is_object()) return;
    if (value.is_object()) {
      const nlohmann::json* properties = schema->contains("properties") ? &(*schema)["properties"] : nullptr;
      const nlohmann::json* additional =
          schema->contains("additionalProperties") ? &(*schema)["additionalProperties"] : nullptr;
      std::vector<std::string> known;
      if (properties)
        for (auto it = properties->begin(); it != properties->end(); ++it) known.push_back(it.key());
      std::vector<std::string> remove;
      for (auto it = value.begin(); it != value.end(); ++it) {
        std::string child = pointer + "/" + yaml::pointer_escape(it.key());
        if (properties && properties->contains(it.key())) {
          unknown_keys(&(*properties)[it.key()], it.value(), child, found);
        } else if (additional && additional->is_object()) {
          unknown_keys(additional, it.value(), child, found);
        } else if (additional && additional->is_boolean() && !additional->get<bool>()) {
          std::string hint = text::did_you_mean(it.key(), known);
          if (hint.empty()) hint = "known keys here: " + text::join(known, ", ");
          found.emplace_back(child, hint);
          remove.push_back(it.key());
        }
      }
      for (const auto& k : remove) value.erase(k);
    } else if (value.is_array() && schema->contains("items") && (*schema)["items"].is_object()) {
      for (size_t i = 0; i < value.size(); ++i)
        unknown_keys(&(*schema)["items"], value[i], pointer + "/" + std::to_string(i), found);
    }
  }
};

// "expected number greater than or equal to 0.000000" -> "must be at least 0".
std::string readable_range(const std::string& message) {
  static const std::regex range(R"(expected number (less|greater) than( or equal to)? (-?[0-9.]+))");
  std::smatch m;
  if (!std::regex_search(message, m, range)) return message;
  char number[32];
  std::snprintf(number, sizeof number, "%g", std::stod(m[3].str()));
  bool less = m[1] == "less";
  bool equal = m[2].matched;
  std::string words =
      less ? (equal ? "must be at most " : "must be less than ") : (equal ? "must be at least " : "must be more than ");
  return words + number;
}

const nlohmann::json& schema_document() {
  static const nlohmann::json document = [] {
    auto text = resources::find(kSchemaResource);
    return nlohmann::json::parse(text ? *text : std::string_view("{}"));
  }();
  return document;
}

const schema::Validator& schema_validator() {
  // Never freed (see dagu/check.cpp): teardown at exit would cost more than a check.
  static const schema::Validator& validator = *[] {
    auto text = resources::find(kSchemaResource);
    auto v = schema::Validator::from_text(text ? *text : "{}");
    if (!v) throw std::runtime_error(v.error().message);
    return new schema::Validator(std::move(*v));
  }();
  return validator;
}

// ---- typed values ---------------------------------------------------------------

std::optional<long long> parse_duration(const json& v) {
  if (v.is_number_integer()) return v.get<long long>();
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  if (s.size() < 2) return std::nullopt;
  long long n = std::atoll(s.c_str());
  switch (s.back()) {
    case 's': return n;
    case 'm': return n * 60;
    case 'h': return n * 3600;
    case 'd': return n * 86400;
    case 'w': return n * 7 * 86400;
  }
  return std::nullopt;
}

std::optional<long long> parse_size(const json& v) {
  if (v.is_number_integer()) return v.get<long long>();
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  long long n = std::atoll(s.substr(0, digits).c_str());
  std::string unit = s.substr(digits);
  static const std::map<std::string, long long> units = {
      {"B", 1},           {"KB", 1000},       {"MB", 1000'000},   {"GB", 1000'000'000}, {"TB", 1000'000'000'000},
      {"KiB", 1LL << 10}, {"MiB", 1LL << 20}, {"GiB", 1LL << 30}, {"TiB", 1LL << 40}};
  auto it = units.find(unit);
  if (it == units.end()) return std::nullopt;
  return n * it->second;
}

std::string home_dir(const EnvLookup& env) {
  return env("HOME").value_or("");
}

// A path from the config: ~ is HOME; relative paths are relative to the file that
// set them (env and flags: the working directory).
std::string resolve_path(const std::string& path, const Origin& origin, const fs::path& cwd, const EnvLookup& env) {
  if (path.empty()) return path;
  fs::path p = path;
  if (path == "~" || path.starts_with("~/"))
    p = fs::path(home_dir(env)) / path.substr(std::min<size_t>(2, path.size()));
  if (p.is_relative()) {
    fs::path base = origin.file.empty() ? cwd : fs::path(origin.file).parent_path();
    p = base / p;
  }
  return p.lexically_normal().string();
}

}  // namespace

// ---- public helpers ------------------------------------------------------------

Result<std::string> interpolate(const std::string& text, const EnvLookup& env, const std::string& key) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 2 < text.size() && text[i + 1] == '$' && text[i + 2] == '{') {
      out += "${";  // $${ is a literal ${
      i += 2;
      continue;
    }
    if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out += text[i];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos)
      return fail(ExitCode::config, key + ": '${' without a closing '}'", "write ${NAME}, or $${ for a literal ${");
    std::string inner = text.substr(i + 2, close - i - 2);
    std::string name = inner;
    std::optional<std::string> fallback;
    if (auto dash = inner.find(":-"); dash != std::string::npos) {
      name = inner.substr(0, dash);
      fallback = inner.substr(dash + 2);
    }
    bool valid = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
                 std::all_of(name.begin(), name.end(),
                             [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    if (!valid)
      return fail(ExitCode::config, key + ": '${" + inner + "}' is not a variable reference",
                  "write ${NAME} or ${NAME:-default}; names are letters, digits and _");
    auto value = env(name);
    if (value) {
      out += *value;
    } else if (fallback) {
      out += *fallback;
    } else {
      return fail(ExitCode::config, key + ": environment variable " + name + " is not set",
                  "export " + name + "=…, or give a default: ${" + name + ":-value}");
    }
    i = close;
  }
  return out;
}

fs::path user_config_path(const EnvLookup& env) {
  if (auto xdg = env("XDG_CONFIG_HOME"); xdg && fs::path(*xdg).is_absolute())
    return fs::path(*xdg) / "arborist" / "config.yaml";
  auto home = env("HOME");
  if (!home) return {};
  return fs::path(*home) / ".config" / "arborist" / "config.yaml";
}

std::optional<fs::path> discover_project_file(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec).lexically_normal();
  if (ec) return std::nullopt;
  while (true) {
    fs::path candidate = dir / kProjectFileName;
    if (fs::is_regular_file(candidate, ec)) return candidate;
    if (fs::exists(dir / ".git", ec)) return std::nullopt;  // the repository root: stop, like git
    fs::path parent = dir.parent_path();
    if (parent == dir || parent.empty()) return std::nullopt;
    dir = parent;
  }
}

const json* Config::find(const std::string& pointer) const {
  const json* node = &tree;
  for (const auto& part : yaml::pointer_split(pointer)) {
    if (node->is_object()) {
      auto it = node->find(part);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      size_t index = 0;
      try {
        index = std::stoul(part);
      } catch (...) {
        return nullptr;
      }
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

Origin Config::origin_of(const std::string& pointer) const {
  std::string p = pointer;
  while (true) {
    if (auto it = origins.find(p); it != origins.end()) return it->second;
    if (p.empty()) return {};
    p = p.substr(0, p.rfind('/'));
  }
}

bool is_secret_pointer(const std::string& pointer) {
  auto parts = yaml::pointer_split(pointer);
  if (parts.empty()) return false;
  const std::string& last = parts.back();
  if (last == "api_key") return true;
  // Header values and a command's environment carry tokens more often than not.
  if (parts.size() >= 2 && (parts[parts.size() - 2] == "headers" || parts[parts.size() - 2] == "env")) return true;
  return false;
}

json redacted(const json& tree) {
  std::function<json(const json&, const std::string&)> walk = [&](const json& v, const std::string& pointer) -> json {
    if (v.is_object()) {
      json out = json::object();
      for (auto it = v.begin(); it != v.end(); ++it)
        out[it.key()] = walk(it.value(), pointer + "/" + yaml::pointer_escape(it.key()));
      return out;
    }
    if (v.is_array()) {
      json out = json::array();
      for (size_t i = 0; i < v.size(); ++i) out.push_back(walk(v[i], pointer + "/" + std::to_string(i)));
      return out;
    }
    if (is_secret_pointer(pointer) && !v.is_null()) return json("[REDACTED]");
    // "https://user:KEY@host/v1?key=KEY": the URL stays, its secrets do not.
    auto parts = yaml::pointer_split(pointer);
    if (v.is_string() && !parts.empty() && (parts.back() == "base_url" || parts.back() == "endpoint"))
      return json(transport::redact_url(v.get<std::string>()));
    return v;
  };
  return walk(tree, "");
}

// ---- load ----------------------------------------------------------------------

Result<Config> load(const LoadOptions& options) {
  Config config;
  const EnvLookup& env = options.env;
  std::error_code ec;
  const fs::path cwd = options.cwd.empty() ? fs::current_path(ec) : options.cwd;
  std::vector<Problem> problems;

  Merger merger{config.tree, config.origins};
  config.tree = json::object();
  merger.merge(config.tree, builtin_defaults(), "", [](const std::string&) { return Origin{}; });

  // Which files: the user file, then --config / ARBORIST_CONFIG or the discovered project file.
  std::vector<std::pair<fs::path, Layer>> files;
  fs::path user = user_config_path(env);
  if (!user.empty() && fs::is_regular_file(user, ec)) files.emplace_back(user, Layer::user);
  fs::path explicit_file = options.explicit_file;
  std::string explicit_source = "--config";
  if (explicit_file.empty()) {
    if (auto from_env = env("ARBORIST_CONFIG")) {
      explicit_file = *from_env;
      explicit_source = "ARBORIST_CONFIG";
    }
  }
  if (!explicit_file.empty()) {
    if (explicit_file.is_relative()) explicit_file = cwd / explicit_file;
    if (!fs::is_regular_file(explicit_file, ec))
      return fail(ExitCode::config, explicit_source + " " + explicit_file.string() + ": no such file",
                  "check the path, or run `arborist init` to write one");
    files.emplace_back(explicit_file.lexically_normal(), Layer::project);
  } else if (auto found = discover_project_file(cwd)) {
    files.emplace_back(*found, Layer::project);
  }

  std::vector<FileLayer> layers;
  for (const auto& [path, layer] : files) {
    auto text = read_file(path);
    if (!text) {
      Error e = text.error();
      e.code = ExitCode::config;
      return fail(e);
    }
    auto docs = yaml::parse(*text, path.string());
    if (!docs) {
      Error e = docs.error();
      e.code = ExitCode::config;
      return fail(e);
    }
    if (docs->size() > 1)
      return fail(
          Error{ExitCode::config,
                path.string() + " holds " + std::to_string(docs->size()) + " YAML documents; a config file is one",
                Location{path.string()},
                "remove the extra '---' documents",
                {}});
    FileLayer fl{path, layer, docs->empty() ? yaml::Document{} : std::move(docs->front()), {}, {}};
    if (fl.document.value.is_null()) fl.document.value = json::object();  // an empty file is fine
    if (!fl.document.value.is_object()) {
      problems.push_back(Problem{Severity::error, "a config file must be a mapping of keys (runner:, defaults:, …)",
                                 fl.document.location_of(path.string(), ""), "see config/agent-arborist.example.yaml"});
      continue;
    }
    interpolate_tree(fl.document.value, "", env, fl, problems);
    layers.push_back(std::move(fl));
  }
  for (const auto& fl : layers) {
    for (const auto& [runner, list] : fl.unresolved)
      for (const auto& p : list) {
        config.unresolved_runners[runner].push_back(p);
        Problem w = p;
        w.severity = Severity::warning;
        w.message += " (runner '" + runner + "' cannot be used until it is)";
        config.warnings.push_back(std::move(w));
      }
    if (fl.layer == Layer::user) config.user_file = fl.path;
    if (fl.layer == Layer::project) config.project_file = fl.path;
    const FileLayer* layer_ptr = &fl;
    merger.merge(config.tree, fl.document.value, "", [layer_ptr](const std::string& pointer) {
      auto pos = layer_ptr->document.position_of(pointer);
      return Origin{layer_ptr->layer, layer_ptr->path.string(), pos.line, pos.column, {}};
    });
    // A literal key in a file others can read is a leak waiting to happen.
    struct stat st {};
    if (!fl.literal_keys.empty() && stat(fl.path.c_str(), &st) == 0 && (st.st_mode & 077)) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 0777);
      Problem w;
      w.severity = Severity::warning;
      w.message = fl.path.string() + " holds a literal api_key (" + dotted(fl.literal_keys.front()) +
                  ") and is readable by others (mode " + mode + ")";
      w.hint = "chmod 600 " + fl.path.string() + ", or use api_key_env / api_key_cmd / api_key_file instead";
      w.where = fl.document.location_of(fl.path.string(), fl.literal_keys.front());
      config.warnings.push_back(std::move(w));
    }
  }

  // ARBORIST_* variables.
  for (const auto& key : env_keys()) {
    auto value = env(key.variable);
    if (!value) continue;
    auto parsed = parse_env_value(*value, key.kind);
    if (!parsed) {
      problems.push_back(Problem{Severity::error,
                                 std::string(key.variable) + "='" + *value + "' must be " + kind_word(key.kind),
                                 Location{std::string("environment ") + key.variable},
                                 {}});
      continue;
    }
    json patch = json::object();
    json* node = &patch;
    auto parts = yaml::pointer_split(key.pointer);
    for (size_t i = 0; i + 1 < parts.size(); ++i) node = &(*node)[parts[i]];
    (*node)[parts.back()] = *parsed;
    std::string variable = key.variable;
    merger.merge(config.tree, patch, "", [variable](const std::string&) {
      return Origin{Layer::env, {}, 0, 0, variable};
    });
  }
  // Flags.
  for (const auto& flag : options.flags) {
    json patch = json::object();
    json* node = &patch;
    auto parts = yaml::pointer_split(flag.pointer);
    if (parts.empty()) continue;
    for (size_t i = 0; i + 1 < parts.size(); ++i) node = &(*node)[parts[i]];
    (*node)[parts.back()] = flag.value;
    std::string name = flag.flag;
    merger.merge(config.tree, patch, "", [name](const std::string&) { return Origin{Layer::flag, {}, 0, 0, name}; });
  }

  auto locate = [&](const std::string& pointer) {
    Origin o = config.origin_of(pointer);
    Location where;
    where.key = pointer;
    if (o.layer == Layer::env) {
      where.file = "environment " + o.source;
    } else if (o.layer == Layer::flag) {
      where.file = "flag " + o.source;
    } else {
      where.file = o.file;
      where.line = o.line;
      where.column = o.column;
    }
    return where;
  };
  auto add = [&](const std::string& pointer, std::string message, std::string hint = {}) {
    problems.push_back(Problem{Severity::error, std::move(message), locate(pointer), std::move(hint)});
  };

  // Nothing but the built-in defaults (no file, no ARBORIST_* variable, no flag): valid by
  // construction, and compiling the schema was a quarter of a small `arborist dagu`.
  const bool only_defaults = std::all_of(config.origins.begin(), config.origins.end(),
                                         [](const auto& entry) { return entry.second.layer == Layer::defaults; });
  // Schema: unknown keys first (with "did you mean"), then types, ranges and required fields.
  json checked = only_defaults ? json::object() : config.tree;
  std::vector<std::pair<std::string, std::string>> unknown;
  SchemaNav{schema_document()}.unknown_keys(&schema_document(), checked, "", unknown);
  for (const auto& [pointer, hint] : unknown) {
    auto parts = yaml::pointer_split(pointer);
    add(pointer,
        "unknown key '" + parts.back() + "'" +
            (parts.size() > 1 ? " in " + dotted(pointer.substr(0, pointer.rfind('/'))) : ""),
        hint);
  }
  // A value left as written because its ${VAR} is unset is reported once, as a warning
  // (the runner cannot be used until it is): its shape is not checked meanwhile.
  auto unresolved_at = [&config](const std::string& pointer) {
    for (const auto& [runner, list] : config.unresolved_runners)
      for (const auto& p : list)
        if (p.where.key == pointer) return true;
    return false;
  };
  for (const auto& v : only_defaults ? std::vector<schema::Violation>{} : schema_validator().validate(checked)) {
    if (unresolved_at(v.pointer)) continue;
    std::string message = readable_range(v.message);
    // "missing required key 'x'" at a profile: name the profile's type, which is why it is required.
    if (message.starts_with("missing required key") && v.pointer.starts_with("/runners/")) {
      const json* type = config.find(v.pointer + "/type");
      if (type && type->is_string()) message += " (a " + type->get<std::string>() + " runner needs it)";
    }
    add(v.pointer, dotted(v.pointer) + ": " + message);
  }

  // Meaning: names that must refer to something, one key source per runner, regexes.
  std::vector<std::string> names = builtin_types();
  if (const json* runners = config.find("/runners"); runners && runners->is_object()) {
    for (auto it = runners->begin(); it != runners->end(); ++it) {
      std::string pointer = "/runners/" + yaml::pointer_escape(it.key());
      if (std::find(builtin_types().begin(), builtin_types().end(), it.key()) != builtin_types().end())
        add(pointer, "profile '" + it.key() + "' has the name of a built-in runner",
            "set the " + it.key() + " runner's settings in the top-level '" + it.key() +
                ":' section, or rename the profile");
      else
        names.push_back(it.key());
    }
  }
  auto check_name = [&](const std::string& pointer, const json* value, const std::string& what) {
    if (!value || !value->is_string()) return;
    std::string name = value->get<std::string>();
    if (std::find(names.begin(), names.end(), name) != names.end()) return;
    std::string hint = text::did_you_mean(name, names);
    if (hint.empty()) hint = "known runners: " + text::join(names, ", ");
    add(pointer, what + " '" + name + "' is neither a built-in runner nor a profile in runners:", hint);
  };
  check_name("/runner", config.find("/runner"), "runner");
  if (const json* fallback = config.find("/fallback"); fallback && fallback->is_array())
    for (size_t i = 0; i < fallback->size(); ++i)
      check_name("/fallback/" + std::to_string(i), &(*fallback)[i], "fallback runner");
  auto check_key_sources = [&](const std::string& pointer, const json& section) {
    if (!section.is_object()) return;
    std::vector<std::string> given;
    for (const char* k : {"api_key", "api_key_env", "api_key_cmd", "api_key_file"})
      if (section.contains(k)) given.push_back(k);
    if (given.size() > 1)
      add(pointer + "/" + given[1],
          dotted(pointer) + " gives the API key " + std::to_string(given.size()) + " ways (" + text::join(given, ", ") +
              ")",
          "keep one of them");
  };
  for (const auto& type : builtin_types())
    if (const json* s = config.find("/" + type)) check_key_sources("/" + type, *s);
  if (const json* runners = config.find("/runners"); runners && runners->is_object())
    for (auto it = runners->begin(); it != runners->end(); ++it)
      check_key_sources("/runners/" + yaml::pointer_escape(it.key()), it.value());
  if (const json* redact = config.find("/redact"); redact && redact->is_array()) {
    for (size_t i = 0; i < redact->size(); ++i) {
      if (!(*redact)[i].is_string()) continue;
      if (auto pattern = Pattern::compile((*redact)[i].get<std::string>(), /*ignore_case=*/true); !pattern)
        add("/redact/" + std::to_string(i), "redact pattern " + pattern.error().message,
            "patterns use RE2 syntax (as in Go: no look-around or back-references), matched without regard to case");
    }
  }

  std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) < std::tie(b.where.file, b.where.line, b.where.column);
  });
  if (has_errors(problems)) {
    std::string where = config.project_file.empty()
                            ? (config.user_file.empty() ? std::string("the configuration") : config.user_file.string())
                            : config.project_file.string();
    size_t count =
        std::count_if(problems.begin(), problems.end(), [](const Problem& p) { return p.severity == Severity::error; });
    return fail(Error{
        ExitCode::config,
        "the configuration has " + std::to_string(count) + " problem" + (count == 1 ? "" : "s") + " (" + where + ")",
        {},
        "see docs/configuration.md or config/agent-arborist.example.yaml",
        std::move(problems)});
  }

  // Typed views.
  auto get = [&](const std::string& pointer) -> const json* { return config.find(pointer); };
  if (auto v = get("/runner"); v && v->is_string()) config.runner = v->get<std::string>();
  if (auto v = get("/fallback"); v && v->is_array())
    for (const auto& item : *v) config.fallback.push_back(item.get<std::string>());
  if (auto v = get("/models"); v && v->is_object())
    for (auto it = v->begin(); it != v->end(); ++it) config.models[it.key()] = it.value().get<std::string>();
  if (auto v = get("/redact"); v && v->is_array())
    for (const auto& item : *v) config.redact.push_back(item.get<std::string>());
  if (auto v = get("/actions"); v && v->is_object())
    for (auto it = v->begin(); it != v->end(); ++it)
      if (it.value().is_string()) config.actions.push_back({it.key(), it.value().get<std::string>()});
  if (auto v = get("/templates"); v && v->is_string())
    config.templates_dir = resolve_path(v->get<std::string>(), config.origin_of("/templates"), cwd, env);
  if (auto v = get("/defaults/repair_rounds"); v && v->is_number_integer()) config.repair_rounds = v->get<int>();
  if (auto v = get("/cache/dir"); v && v->is_string())
    config.cache.dir = resolve_path(v->get<std::string>(), config.origin_of("/cache/dir"), cwd, env);
  if (auto v = get("/cache/ttl")) config.cache.ttl_seconds = parse_duration(*v);
  if (auto v = get("/cache/max_size")) config.cache.max_size_bytes = parse_size(*v);
  if (auto v = get("/cache/mode"); v && v->is_string()) config.cache.mode = v->get<std::string>();
  if (auto v = get("/log/enabled"); v && v->is_boolean()) config.log.enabled = v->get<bool>();
  if (auto v = get("/log/bodies"); v && v->is_boolean()) config.log.bodies = v->get<bool>();
  if (auto v = get("/log/path"); v && v->is_string())
    config.log.path = resolve_path(v->get<std::string>(), config.origin_of("/log/path"), cwd, env);
  if (auto v = get("/budget/daily_usd"); v && v->is_number()) config.budget.daily_usd = v->get<double>();
  if (auto v = get("/budget/max_cost_usd"); v && v->is_number()) config.budget.max_cost_usd = v->get<double>();
  if (auto v = get("/prices"); v && v->is_object())
    for (auto it = v->begin(); it != v->end(); ++it)
      config.prices[it.key()] = Price{it.value()["input"].get<double>(), it.value()["output"].get<double>()};
  if (auto v = get("/output/dagu_version"); v && (v->is_string() || v->is_number_integer()))
    config.output.dagu_version = v->is_string() ? v->get<std::string>() : std::to_string(v->get<int>());
  if (auto v = get("/output/dir"); v && v->is_string())
    config.output.dir = resolve_path(v->get<std::string>(), config.origin_of("/output/dir"), cwd, env);
  if (auto v = get("/lint/disable"); v && v->is_array())
    for (const auto& id : *v)
      if (id.is_string()) config.lint.disable.push_back(id.get<std::string>());
  if (auto v = get("/lint/strict"); v && v->is_boolean()) config.lint.strict = v->get<bool>();
  auto limit = [&](const char* pointer, auto& target, std::uint64_t unit) {
    if (auto v = get(pointer); v && v->is_number_integer() && v->get<long long>() >= 0)
      target = static_cast<std::remove_reference_t<decltype(target)>>(v->get<std::uint64_t>() * unit);
  };
  limit("/limits/file_mb", config.limits.file_bytes, 1ull << 20);
  limit("/limits/description_kb", config.limits.description_bytes, 1024);
  limit("/limits/yaml_depth", config.limits.yaml_depth, 1);
  limit("/limits/yaml_nodes", config.limits.yaml_nodes, 1);
  limit("/limits/yaml_alias_nodes", config.limits.yaml_alias_nodes, 1);
  limit("/limits/steps", config.limits.steps, 1);
  limit("/limits/response_mb", config.limits.response_bytes, 1ull << 20);
  if (auto v = get("/lint/shellcheck"); v && v->is_boolean()) config.lint.shellcheck = v->get<bool>();
  return config;
}

}  // namespace arborist::config
