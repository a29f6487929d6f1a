#include "cache/key.hpp"

#include "transport/provider.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/hash.hpp"
#include "core/resources.hpp"
#include "core/text.hpp"
#include "runners/claude.hpp"
#include "runners/ollama.hpp"
#include "runners/openai.hpp"

namespace arborist::cache {

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value || !*value) return std::nullopt;
    return std::string(value);
  };
}

namespace {

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  std::string rest = start == std::string::npos ? url : url.substr(start + 3);
  return rest.substr(0, rest.find_first_of("/:?"));
}

std::string trim_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// Mirrors how runners/*.cpp pick their endpoint and default model, without
// building a runner (which would start libcurl: a cache hit must not pay for it).
std::pair<std::string, std::string> endpoint_and_default_model(const runners::RunnerConfig& config,
                                                               const EnvLookup& env) {
  if (config.type == "openai") {
    std::string base;
    if (!config.base_url.empty())
      base = config.base_url;
    else if (auto from_env = env("OPENAI_BASE_URL"))
      base = *from_env;
    else if (!env("OPENAI_API_KEY") && env("OPENROUTER_API_KEY"))
      base = runners::kOpenRouterBaseUrl;
    else
      base = runners::kOpenAiDefaultBaseUrl;
    bool openrouter = host_of(base) == "openrouter.ai";
    return {trim_slashes(base), openrouter ? runners::kOpenRouterDefaultModel : runners::kOpenAiDefaultModel};
  }
  if (config.type == "claude") {
    std::string base =
        !config.base_url.empty() ? config.base_url : env("ANTHROPIC_BASE_URL").value_or(runners::kClaudeDefaultBaseUrl);
    return {trim_slashes(base), runners::kClaudeDefaultModel};
  }
  if (config.type == "ollama") {
    std::string base =
        !config.base_url.empty() ? config.base_url : env("OLLAMA_HOST").value_or(runners::kOllamaDefaultHost);
    if (base.find("://") == std::string::npos) base = "http://" + base;
    return {trim_slashes(base), runners::kOllamaDefaultModel};
  }
  if (config.type == "command") return {text::join(config.command, " "), ""};
  if (config.type == "http") return {config.endpoint.empty() ? config.base_url : config.endpoint, ""};
  return {trim_slashes(config.base_url), ""};
}

}  // namespace

bool option_is_key_input(const std::string& name) {
  std::string lower = text::to_lower(name);
  for (const char* word :
       {"timeout", "retries", "retry", "max_body", "key", "secret", "password", "token_env", "authorization", "header"})
    if (lower.find(word) != std::string::npos && lower != "token_parameter") return false;
  return true;
}

bool looks_like_key(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

KeyInputs key_inputs(const runners::RunnerConfig& config, const runners::Request& request,
                     const std::string& description, const std::map<std::string, std::string>& templates,
                     const EnvLookup& env) {
  KeyInputs in;
  in.runner = config.type;
  auto [endpoint, default_model] = endpoint_and_default_model(config, env);
  in.endpoint = transport::redact_url(endpoint);  // the key never holds a URL's secrets
  in.model = !request.model.empty() ? request.model : !config.model.empty() ? config.model : default_model;
  in.max_tokens = request.max_tokens;
  in.temperature = request.temperature;
  for (const auto& [name, value] : config.options)
    if (option_is_key_input(name)) in.options[name] = value;
  // Every embedded template: the planner may use any of them (system prompt, request,
  // repair rounds), and a changed template must not replay an answer to the old one.
  for (const auto& [id, content] : templates) in.templates.emplace_back(id, sha256_hex(content));
  if (templates.empty())
    for (const auto& resource : resources::all())
      if (resource.name.starts_with("templates/"))
        in.templates.emplace_back(std::string(resource.name).substr(10), sha256_hex(resource.data));
  std::sort(in.templates.begin(), in.templates.end());
  if (auto schema = resources::find("config/spec.schema.json")) {
    in.spec_schema_sha256 = sha256_hex(*schema);
    // The $id names the schema's version; read it without a JSON parse (hit path).
    auto pos = schema->find("\"$id\"");
    if (pos != std::string_view::npos) {
      auto open = schema->find('"', schema->find(':', pos) + 1);
      auto close = schema->find('"', open + 1);
      if (open != std::string_view::npos && close != std::string_view::npos)
        in.spec_schema_id = std::string(schema->substr(open + 1, close - open - 1));
    }
  }
  in.description = description;
  return in;
}

nlohmann::ordered_json canonical_json(const KeyInputs& in) {
  nlohmann::ordered_json j;
  j["cache_format"] = kFormatVersion;
  j["runner"] = in.runner;
  j["endpoint"] = in.endpoint;
  j["model"] = in.model;
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  params["max_tokens"] = in.max_tokens ? nlohmann::ordered_json(*in.max_tokens) : nlohmann::ordered_json(nullptr);
  params["temperature"] = in.temperature ? nlohmann::ordered_json(*in.temperature) : nlohmann::ordered_json(nullptr);
  params["repair_rounds"] =
      in.repair_rounds ? nlohmann::ordered_json(*in.repair_rounds) : nlohmann::ordered_json(nullptr);
  j["parameters"] = params;
  nlohmann::ordered_json options = nlohmann::ordered_json::object();
  for (const auto& [k, v] : in.options) options[k] = v;  // std::map: sorted
  j["options"] = options;
  nlohmann::ordered_json templates = nlohmann::ordered_json::array();
  for (const auto& [id, hash] : in.templates) templates.push_back({{"id", id}, {"sha256", hash}});
  j["templates"] = templates;
  j["spec_schema"] = {{"id", in.spec_schema_id}, {"sha256", in.spec_schema_sha256}};
  j["description"] = in.description;
  return j;
}

std::string key_of(const KeyInputs& inputs) {
  return sha256_hex(canonical_json(inputs).dump());
}

}  // namespace arborist::cache
