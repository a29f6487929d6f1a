#include "runners/http.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/text.hpp"

#include "runners/command.hpp"
#include "transport/stream.hpp"

namespace arborist::runners {

namespace {

using nlohmann::ordered_json;

struct Fields {
  std::map<std::string, ordered_json> values;
};

Fields fields_of(const Request& request, const RunnerConfig& config) {
  Fields f;
  const std::string model = !request.model.empty() ? request.model : config.model;
  f.values["system"] = request.system;
  f.values["prompt"] = request.prompt;
  f.values["description"] = request.description;
  f.values["model"] = model.empty() ? ordered_json(nullptr) : ordered_json(model);
  f.values["max_tokens"] = request.max_tokens ? ordered_json(*request.max_tokens) : ordered_json(nullptr);
  f.values["temperature"] = request.temperature ? ordered_json(*request.temperature) : ordered_json(nullptr);
  auto schema = ordered_json::parse(request.schema, nullptr, false);
  f.values["schema"] = request.schema.empty() || schema.is_discarded() ? ordered_json(nullptr) : schema;
  f.values["schema_text"] = request.schema;
  return f;
}

std::string as_text(const ordered_json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// Fills placeholders; returns false (and names it) for an unknown placeholder.
bool fill(ordered_json& node, const Fields& fields, std::string& unknown) {
  if (node.is_object()) {
    std::vector<std::string> drop;
    for (auto it = node.begin(); it != node.end(); ++it)
      if (!fill(it.value(), fields, unknown)) return false;
    // A key whose whole value was an unset placeholder is left out, not sent as null.
    for (auto it = node.begin(); it != node.end(); ++it)
      if (it.value().is_discarded()) drop.push_back(it.key());
    for (const auto& k : drop) node.erase(k);
    return true;
  }
  if (node.is_array()) {
    for (auto& item : node) {
      if (!fill(item, fields, unknown)) return false;
      if (item.is_discarded()) item = nullptr;
    }
    return true;
  }
  if (!node.is_string()) return true;
  const std::string s = node.get<std::string>();
  if (s.starts_with("{{") && s.ends_with("}}") && s.find("{{", 2) == std::string::npos) {
    std::string name = s.substr(2, s.size() - 4);
    auto it = fields.values.find(name);
    if (it == fields.values.end()) {
      unknown = name;
      return false;
    }
    node = it->second.is_null() ? ordered_json(ordered_json::value_t::discarded) : it->second;
    return true;
  }
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t open = s.find("{{", i);
    if (open == std::string::npos) {
      out.append(s, i, std::string::npos);
      break;
    }
    size_t close = s.find("}}", open + 2);
    if (close == std::string::npos) {
      out.append(s, i, std::string::npos);
      break;
    }
    out.append(s, i, open - i);
    std::string name = s.substr(open + 2, close - open - 2);
    auto it = fields.values.find(name);
    if (it == fields.values.end()) {
      unknown = name;
      return false;
    }
    out += as_text(it->second);
    i = close + 2;
  }
  node = out;
  return true;
}

const ordered_json* at_pointer(const ordered_json& j, const std::string& pointer) {
  try {
    return &j.at(ordered_json::json_pointer(pointer));
  } catch (const std::exception&) {
    return nullptr;
  }
}

class HttpRunner : public Runner {
 public:
  HttpRunner(RunnerConfig config, transport::Environment environment, transport::RetryPolicy policy)
      : config_(std::move(config)), environment_(std::move(environment)), client_(environment_.timing, policy) {}

  std::string type() const override { return "http"; }

  Result<WireRequest> preview(const Request& request) override {
    auto http = build(request);
    if (!http) return fail(http.error());
    WireRequest wire;
    wire.url = http->url;
    for (const auto& [k, v] : http->headers) wire.headers.emplace_back(k, transport::redact(v, http->secrets));
    wire.body = transport::redact(http->body, http->secrets);
    return wire;
  }

  Result<Answer> complete(const Request& request) override {
    if (auto ok = transport::check_common_parameters(request, 2.0, "http"); !ok) return fail(ok.error());
    Request plain = request;
    plain.stream = false;  // a generic service answers in one piece
    auto limits = transport::limits_for(plain, config_);
    if (!limits) return fail(limits.error());
    auto http = build(request);
    if (!http) return fail(http.error());
    client_.set_debug_log(request.debug ? transport::debug_writer(environment_) : nullptr);

    Answer answer;
    const std::string model = !request.model.empty() ? request.model : config_.model;
    transport::Exchange exchange;
    transport::ProgressReporter progress(request);
    int attempts = 1;
    exchange.begin = [&](int attempt) {
      attempts = attempt;
      progress.attempt(attempt);
    };
    exchange.judge = [&](const transport::HttpResponse& response) {
      auto j = ordered_json::parse(response.body, nullptr, false);
      if (j.is_discarded())
        return transport::Verdict::fail_because("the response is not JSON: " +
                                                transport::describe_unexpected(response.body, 60));
      const ordered_json* text = at_pointer(j, config_.response_path);
      if (!text || !text->is_string())
        return transport::Verdict::fail_because("the response has no text at response_path " + config_.response_path);
      answer.text = text->get<std::string>();
      const ordered_json* usage =
          config_.usage_path.empty() ? at_pointer(j, "/usage") : at_pointer(j, config_.usage_path);
      if (usage && usage->is_object()) {
        for (const char* k : {"input_tokens", "prompt_tokens"})
          if (usage->contains(k) && (*usage)[k].is_number()) answer.usage.input_tokens = (*usage)[k].get<long>();
        for (const char* k : {"output_tokens", "completion_tokens"})
          if (usage->contains(k) && (*usage)[k].is_number()) answer.usage.output_tokens = (*usage)[k].get<long>();
      }
      progress.text(answer.text);
      return transport::Verdict::accept();
    };
    transport::observe_attempts(request, exchange);
    auto result = client_.send(*http, *limits, exchange);
    if (!result) {
      transport::ProviderContext context{"http '" + config_.name + "'", model.empty() ? "default" : model,
                                         transport::redact_url(config_.endpoint), config_.api_key_source, false};
      Error e = transport::describe_failure(context, result.error());
      e.message = transport::redact(e.message, http->secrets);
      return fail(e);
    }
    answer.attempts = attempts;
    answer.model = model.empty() ? config_.name : model;
    answer.finish_reason = "stop";
    return answer;
  }

 private:
  Result<transport::HttpRequest> build(const Request& request) const {
    transport::HttpRequest http;
    http.url = config_.endpoint;
    http.secrets = transport::url_secrets(config_.endpoint);
    bool content_type = false;
    for (const auto& [k, v] : config_.headers) {
      http.headers.emplace_back(k, v);
      std::string lower = k;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      content_type |= lower == "content-type";
    }
    if (!content_type) http.headers.emplace_back("Content-Type", "application/json");
    http.secrets = config_.secrets;
    if (config_.body_template.empty()) {
      http.body = custom_request_json(request, config_);
    } else {
      auto body = render_http_body(config_.body_template, request, config_);
      if (!body) return fail(body.error());
      http.body = *body;
    }
    return http;
  }

  RunnerConfig config_;
  transport::Environment environment_;
  transport::Client client_;
};

}  // namespace

Result<std::string> render_http_body(const std::string& body_template, const Request& request,
                                     const RunnerConfig& config) {
  auto body = ordered_json::parse(body_template, nullptr, false);
  if (body.is_discarded()) return fail(ExitCode::config, "runner '" + config.name + "': the body template is not JSON");
  std::string unknown;
  if (!fill(body, fields_of(request, config), unknown))
    return fail(ExitCode::config, "runner '" + config.name + "': unknown placeholder {{" + unknown + "}} in body",
                "use {{system}}, {{prompt}}, {{model}}, {{max_tokens}}, {{temperature}}, {{schema}}, {{schema_text}} "
                "or {{description}}");
  return body.dump();
}

Result<std::unique_ptr<Runner>> make_http_runner(const RunnerConfig& config, transport::Environment environment) {
  if (config.endpoint.empty())
    return fail(ExitCode::config, "runner '" + config.name + "' (type http) has no endpoint",
                "add endpoint: https://… to its profile under runners:");
  if (config.response_path.empty() || config.response_path.front() != '/')
    return fail(ExitCode::config, "runner '" + config.name + "' (type http) needs response_path, a JSON pointer",
                "e.g. response_path: /choices/0/message/content");
  auto policy = transport::policy_for(config, environment.policy);
  if (!policy) return fail(policy.error());
  return std::unique_ptr<Runner>(new HttpRunner(config, std::move(environment), *policy));
}

Result<std::unique_ptr<Runner>> make_http_runner(const RunnerConfig& config) {
  return make_http_runner(config, transport::Environment{});
}

Descriptor http_descriptor() {
  Descriptor d;
  d.type = "http";
  d.summary = "any JSON-over-HTTP service: body template, response_path (runners: profiles, type: http)";
  d.needs_profile = true;
  d.endpoint = [](const RunnerConfig& config, const EnvLookup&) {
    return Endpoint{config.endpoint.empty() ? config.base_url : config.endpoint, ""};
  };
  // The body template and paths decide what is asked and what is read back; headers may
  // select a model or a tenant (secret-looking ones only through the digest).
  d.cache_settings = [](const RunnerConfig& config) {
    CacheSettings out = option_cache_settings(config);
    out.visible["body_template"] = config.body_template;
    out.visible["response_path"] = config.response_path;
    out.visible["usage_path"] = config.usage_path;
    for (const auto& [name, value] : config.headers) {
      bool secret = name_looks_secret(name) ||
                    std::any_of(config.secrets.begin(), config.secrets.end(), [&value](const std::string& s) {
                      return !s.empty() && value.find(s) != std::string::npos;
                    });
      if (secret) {
        out.secret.push_back("header " + text::to_lower(name) + ": " + value);
        out.visible["header." + text::to_lower(name)] = "(secret: counted in the key, not shown)";
      } else {
        out.visible["header." + text::to_lower(name)] = value;
      }
    }
    return out;
  };
  d.factory = [](const RunnerConfig& c) { return make_http_runner(c); };
  return d;
}

}  // namespace arborist::runners
