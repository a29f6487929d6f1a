// Runner selection: a name (built-in type or profile) plus every layer -> the
// RunnerConfig and request parameters one call needs.
#include <algorithm>
#include <cmath>

#include "config/config.hpp"
#include "config/subprocess.hpp"
#include "core/atomic_file.hpp"
#include "core/text.hpp"
#include "core/yaml.hpp"

namespace arborist::config {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::string runner_for_model(const std::string& model) {
  if (model.empty() || model.find('/') != std::string::npos) return {};  // vendor/model: OpenRouter-style, ambiguous
  std::string m = text::to_lower(model);
  if (m.starts_with("claude-")) return "claude";
  if (m.starts_with("gpt-") || m.starts_with("chatgpt-")) return "openai";
  // o1, o3, o4-mini, o1-preview … but not "orca" or "openchat".
  if (m.size() >= 2 && m[0] == 'o' && std::isdigit(static_cast<unsigned char>(m[1]))) return "openai";
  for (const char* prefix : {"llama", "mistral", "qwen", "codellama"})
    if (m.starts_with(prefix)) return "ollama";
  return {};
}

// Auto-detection: the runner (by descriptor rank) whose key variable is set, and that variable.
std::optional<std::pair<std::string, std::string>> detect_runner(const EnvLookup& env) {
  auto descriptors = runners::builtin_registry().descriptors();
  std::stable_sort(descriptors.begin(), descriptors.end(),
                   [](const auto* a, const auto* b) { return a->detect_rank < b->detect_rank; });
  for (const auto* d : descriptors) {
    if (d->detect_rank == 0) continue;
    for (const auto& variable : d->key_variables)
      if (env(variable)) return std::pair{d->type, variable};
  }
  return std::nullopt;
}

std::string openrouter_model(const std::string& model) {
  if (model.empty() || model.find('/') != std::string::npos) return model;
  std::string m = text::to_lower(model);
  auto vendor = [&]() -> std::string {
    if (m.starts_with("claude-")) return "anthropic";
    if (m.starts_with("gpt-") || m.starts_with("chatgpt-") ||
        (m.size() >= 2 && m[0] == 'o' && std::isdigit(static_cast<unsigned char>(m[1]))))
      return "openai";
    if (m.starts_with("llama") || m.starts_with("codellama")) return "meta-llama";
    if (m.starts_with("mistral") || m.starts_with("mixtral") || m.starts_with("codestral")) return "mistralai";
    if (m.starts_with("qwen")) return "qwen";
    if (m.starts_with("gemini") || m.starts_with("gemma")) return "google";
    if (m.starts_with("deepseek")) return "deepseek";
    return {};
  }();
  return vendor.empty() ? model : vendor + "/" + model;
}

Result<std::string> run_key_command(const std::vector<std::string>& argv, int timeout_seconds) {
  SubprocessOptions options;
  options.timeout_ms = timeout_seconds * 1000;
  options.max_output_bytes = 64 * 1024;
  auto result = run_subprocess(argv, options);
  const std::string program = argv.empty() ? std::string("(empty)") : argv[0];
  if (!result) {
    Error e = result.error();
    e.code = ExitCode::config;
    e.message = "api_key_cmd: " + e.message;
    return fail(e);
  }
  if (result->timed_out)
    return fail(ExitCode::config,
                "api_key_cmd '" + program + "' did not finish within " + std::to_string(timeout_seconds) + " s",
                "check that it does not wait for input (it runs without a terminal)");
  // Its stderr may echo the secret; only the exit status is reported.
  if (result->exit_status != 0)
    return fail(ExitCode::config,
                "api_key_cmd '" + program + "' failed (" +
                    (result->signal ? "signal " + std::to_string(result->signal)
                                    : "exit " + std::to_string(result->exit_status)) +
                    ")",
                "run it yourself to see why; its output is not shown because it may hold the key");
  std::string key(text::trim(result->out));
  if (key.empty()) return fail(ExitCode::config, "api_key_cmd '" + program + "' printed nothing");
  if (key.find('\n') != std::string::npos) key = std::string(text::trim(key.substr(0, key.find('\n'))));
  return key;
}

namespace {

int specificity(const std::string& pointer) {
  if (pointer.starts_with("/runners/")) return 2;
  if (pointer.starts_with("/defaults/")) return 0;
  return 1;
}

struct Resolver {
  const Config& config;
  std::string name;
  std::string type;
  bool is_profile = false;

  std::string base(const std::string& which) const {
    if (which == "profile") return is_profile ? "/runners/" + yaml::pointer_escape(name) : std::string();
    if (which == "section") {
      const auto& types = builtin_types();
      return std::find(types.begin(), types.end(), type) != types.end() ? "/" + type : std::string();
    }
    return "/defaults";
  }

  // The value of a field from the highest layer; among equal layers the most specific place wins.
  std::pair<const json*, std::string> pick(const std::string& field, bool use_defaults,
                                           const std::function<bool(const json&, const Origin&)>& accept = {}) const {
    const json* best = nullptr;
    std::string best_pointer;
    std::pair<int, int> best_rank{-1, -1};
    for (const char* which : {"defaults", "section", "profile"}) {
      if (std::string(which) == "defaults" && !use_defaults) continue;
      std::string b = base(which);
      if (b.empty()) continue;
      std::string pointer = b + "/" + field;
      const json* v = config.find(pointer);
      if (!v || v->is_null()) continue;
      Origin o = config.origin_of(pointer);
      if (accept && !accept(*v, o)) continue;
      std::pair<int, int> rank{static_cast<int>(o.layer), specificity(pointer)};
      if (rank > best_rank) {
        best_rank = rank;
        best = v;
        best_pointer = pointer;
      }
    }
    return {best, best_pointer};
  }

  const json* section(const std::string& which) const {
    std::string b = base(which);
    return b.empty() ? nullptr : config.find(b);
  }
};

std::string number_text(const json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v.get<double>());
  return buf;
}

bool is_openrouter(const std::string& base_url, const EnvLookup& env) {
  if (!base_url.empty()) return base_url.find("openrouter.ai") != std::string::npos;
  if (auto b = env("OPENAI_BASE_URL")) return b->find("openrouter.ai") != std::string::npos;
  return !env("OPENAI_API_KEY") && env("OPENROUTER_API_KEY");
}

}  // namespace

Result<Selection> select_runner(const Config& config, const SelectOptions& options) {
  Selection selection;
  const EnvLookup& env = options.env;
  std::string name = options.name;
  auto expand_alias = [&](const std::string& model) {
    auto it = config.models.find(model);
    return it == config.models.end() ? model : it->second;
  };

  if (name.empty() && !config.runner.empty()) {
    name = config.runner;
    selection.why = "runner from " + config.origin_of("/runner").describe();
  }
  if (name.empty()) {
    // Nothing configured: a model that names its runner, else whichever key is set.
    std::string model;
    if (const json* m = config.find("/defaults/model"); m && m->is_string() && options.primary)
      model = expand_alias(m->get<std::string>());
    if (std::string implied = runner_for_model(model); !implied.empty()) {
      name = implied;
      selection.why = "model " + model + " implies the " + implied + " runner";
    } else if (auto detected = detect_runner(env)) {
      name = detected->first;
      selection.why = detected->second + " is set";
    } else {
      name = "mock";
      selection.auto_detected = true;
      selection.why = "no runner configured and no API key set";
    }
  }

  if (auto it = config.unresolved_runners.find(name); it != config.unresolved_runners.end()) {
    Error e{ExitCode::config, "runner '" + name + "' cannot be used: its profile reads an environment variable that is not set",
            it->second.front().where, it->second.front().hint, it->second};
    return fail(std::move(e));
  }
  Resolver r{config, name, name, false};
  const json* profile = config.find("/runners/" + yaml::pointer_escape(name));
  if (profile && profile->is_object()) {
    r.is_profile = true;
    r.type = profile->value("type", std::string());
  } else {
    const auto& types = builtin_types();
    bool custom = name == "command" || name == "http";
    if (std::find(types.begin(), types.end(), name) == types.end()) {
      std::vector<std::string> known = types;
      if (const json* runners = config.find("/runners"); runners && runners->is_object())
        for (auto it = runners->begin(); it != runners->end(); ++it) known.push_back(it.key());
      std::string hint = custom ? "a " + name +
                                      " runner needs settings: define a profile under runners: with type: " + name +
                                      " (see docs/runners.md)"
                                : text::did_you_mean(name, known);
      if (hint.empty()) hint = "known runners: " + text::join(known, ", ");
      return fail(ExitCode::usage, "unknown runner '" + name + "'", hint);
    }
  }
  runners::RunnerConfig& rc = selection.runner;
  rc.name = name;
  rc.type = r.type;

  // The model: for fallbacks, a default model that belongs to another runner is skipped.
  auto model_fits = [&](const json& v, const Origin&) {
    if (!v.is_string()) return false;
    if (options.primary) return true;
    std::string implied = runner_for_model(expand_alias(v.get<std::string>()));
    return implied.empty() || implied == r.type;
  };
  if (auto [v, pointer] = r.pick("model", true, model_fits); v) selection.model = expand_alias(v->get<std::string>());
  if (auto [v, pointer] = r.pick("base_url", false); v && v->is_string()) rc.base_url = v->get<std::string>();
  if (r.type == "openai" && is_openrouter(rc.base_url, env)) selection.model = openrouter_model(selection.model);
  rc.model = selection.model;

  if (auto [v, pointer] = r.pick("max_tokens", true); v && v->is_number_integer()) selection.max_tokens = v->get<int>();
  if (auto [v, pointer] = r.pick("temperature", true); v && v->is_number()) selection.temperature = v->get<double>();
  if (auto [v, pointer] = r.pick("timeout", true); v && v->is_number())
    selection.timeout_seconds = std::max(1, static_cast<int>(std::ceil(v->get<double>())));
  if (auto [v, pointer] = r.pick("stream", true); v && v->is_boolean()) selection.stream = v->get<bool>();
  if (auto [v, pointer] = r.pick("retries", true); v && v->is_number_integer())
    rc.options["max_retries"] = std::to_string(v->get<int>());
  for (const char* key : {"connect_timeout", "first_byte_timeout", "idle_timeout", "max_body_mb"})
    if (auto [v, pointer] = r.pick(key, false); v && v->is_number()) rc.options[key] = number_text(*v);
  if (auto [v, pointer] = r.pick("rate_limit", false); v && v->is_object()) {
    if (auto n = v->find("requests_per_minute"); n != v->end() && n->is_number_integer())
      rc.requests_per_minute = n->get<long>();
    if (auto n = v->find("tokens_per_minute"); n != v->end() && n->is_number_integer())
      rc.tokens_per_minute = n->get<long>();
  }
  if (auto [v, pointer] = r.pick("token_parameter", false); v && v->is_string())
    rc.options["token_parameter"] = v->get<std::string>();

  // The API key: from the profile if it names one, else from the type's section.
  const json* key_source = nullptr;
  std::string key_pointer;
  for (const char* which : {"profile", "section"}) {
    const json* s = r.section(which);
    if (!s || !s->is_object()) continue;
    if (s->contains("api_key") || s->contains("api_key_env") || s->contains("api_key_cmd") ||
        s->contains("api_key_file")) {
      key_source = s;
      key_pointer = r.base(which);
      break;
    }
  }
  if (key_source && r.type != "mock" && options.resolve_key) {
    const std::string where = "runner '" + name + "'";
    if (key_source->contains("api_key")) {
      rc.api_key = (*key_source)["api_key"].get<std::string>();
      rc.api_key_source = "api_key in " + config.origin_of(key_pointer + "/api_key").describe();
    } else if (key_source->contains("api_key_env")) {
      std::string variable = (*key_source)["api_key_env"].get<std::string>();
      auto value = env(variable);
      if (!value)
        return fail(Error{ExitCode::config,
                          where + ": api_key_env names " + variable + ", which is not set",
                          [&] {
                            Origin o = config.origin_of(key_pointer + "/api_key_env");
                            return Location{o.file, o.line, o.column, key_pointer + "/api_key_env", {}};
                          }(),
                          "export " + variable + "=…",
                          {}});
      rc.api_key = *value;
      rc.api_key_source = variable;
    } else if (key_source->contains("api_key_cmd")) {
      std::vector<std::string> argv;
      for (const auto& a : (*key_source)["api_key_cmd"]) argv.push_back(a.get<std::string>());
      auto key = run_key_command(argv, options.api_key_cmd_timeout_seconds);
      if (!key) {
        Error e = key.error();
        e.message = where + ": " + e.message;
        return fail(e);
      }
      rc.api_key = *key;
      rc.api_key_source = "api_key_cmd";
    } else {
      std::string file = (*key_source)["api_key_file"].get<std::string>();
      Origin o = config.origin_of(key_pointer + "/api_key_file");
      fs::path p = file;
      if (file.starts_with("~/")) p = fs::path(env("HOME").value_or("")) / file.substr(2);
      if (p.is_relative() && !o.file.empty()) p = fs::path(o.file).parent_path() / p;
      auto content = read_file(p);
      if (!content)
        return fail(Error{ExitCode::config,
                          where + ": cannot read api_key_file " + p.string(),
                          Location{o.file, o.line, o.column, key_pointer + "/api_key_file", {}},
                          "check the path and its permissions",
                          {}});
      rc.api_key = std::string(text::trim(*content));
      if (rc.api_key.empty()) return fail(ExitCode::config, where + ": api_key_file " + p.string() + " is empty");
      rc.api_key_source = "api_key_file " + p.string();
    }
  }
  if (!rc.api_key.empty()) rc.secrets.push_back(rc.api_key);

  // Custom runners' own settings.
  if (r.is_profile) {
    const json& p = *profile;
    if (p.contains("command"))
      for (const auto& a : p["command"]) rc.command.push_back(a.get<std::string>());
    if (p.contains("env") && p["env"].is_object())
      for (auto it = p["env"].begin(); it != p["env"].end(); ++it) {
        rc.env[it.key()] = it.value().get<std::string>();
        if (!it.value().get<std::string>().empty()) rc.secrets.push_back(it.value().get<std::string>());
      }
    rc.endpoint = p.value("endpoint", std::string());
    if (p.contains("headers") && p["headers"].is_object())
      for (auto it = p["headers"].begin(); it != p["headers"].end(); ++it) {
        rc.headers.emplace_back(it.key(), it.value().get<std::string>());
        // A header's value may hold a token: keep it out of debug output and errors.
        std::string value = it.value().get<std::string>();
        std::string lower = text::to_lower(it.key());
        bool secret_name = lower == "authorization" || lower == "cookie" || lower.find("key") != std::string::npos ||
                           lower.find("token") != std::string::npos || lower.find("secret") != std::string::npos;
        if (secret_name && !value.empty()) rc.secrets.push_back(value);
        for (const char* scheme : {"Bearer ", "Basic ", "Token "})
          if (value.starts_with(scheme) && value.size() > std::string(scheme).size())
            rc.secrets.push_back(value.substr(std::string(scheme).size()));  // the token alone too
      }
    if (p.contains("body")) rc.body_template = p["body"].dump();
    rc.response_path = p.value("response_path", std::string());
    rc.usage_path = p.value("usage_path", std::string());
  }
  if (selection.why.empty()) selection.why = "--runner " + name;
  return selection;
}

}  // namespace arborist::config
