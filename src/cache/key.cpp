#include "cache/key.hpp"

#include "transport/provider.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/hash.hpp"
#include "core/resources.hpp"
#include "core/text.hpp"

namespace arborist::cache {

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value || !*value) return std::nullopt;
    return std::string(value);
  };
}

namespace {

std::string trim_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

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
  // The runner's own descriptor says where it sends and what it asks by default, and which
  // of its settings change the answer; no runner is built (that could load libcurl).
  const runners::Descriptor* descriptor = runners::builtin_registry().find(config.type);
  runners::Endpoint endpoint;
  if (descriptor) {
    // A key from the config answers for the runner's key variables, as when it is built.
    runners::EnvLookup with_key = env;
    if (!config.api_key.empty())
      with_key = [&env, &config, descriptor](const std::string& name) -> std::optional<std::string> {
        const auto& vars = descriptor->key_variables;
        if (std::find(vars.begin(), vars.end(), name) != vars.end()) return config.api_key;
        return env(name);
      };
    endpoint = descriptor->endpoint(config, with_key);
    runners::CacheSettings settings = descriptor->cache_settings(config);
    in.options = std::move(settings.visible);
    if (!settings.secret.empty()) {
      std::sort(settings.secret.begin(), settings.secret.end());
      std::string material;
      for (const auto& s : settings.secret) material += s + '\n';
      in.secret_digest = sha256_hex("arborist cache secrets\n" + material);
    }
  }
  in.endpoint = transport::redact_url(trim_slashes(endpoint.url));  // the key never holds a URL's secrets
  in.model = !request.model.empty() ? request.model : !config.model.empty() ? config.model : endpoint.default_model;
  in.max_tokens = request.max_tokens;
  in.temperature = request.temperature;
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
  std::string material = canonical_json(inputs).dump();
  // Secret settings count through their digest, which is neither stored nor shown.
  if (!inputs.secret_digest.empty()) material += "\nsecrets " + inputs.secret_digest;
  return sha256_hex(material);
}

}  // namespace arborist::cache
