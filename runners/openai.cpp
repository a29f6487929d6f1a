#include "runners/openai.hpp"

#include <nlohmann/json.hpp>

#include "transport/stream.hpp"

namespace arborist::runners {

namespace {

using nlohmann::json;
using transport::Verdict;

struct Settings {
  std::string base_url;
  std::string api_key;       // empty for local servers that need none
  std::string key_variable;  // where the key came from
  std::string default_model;
  // Official OpenAI deprecated max_tokens in favour of max_completion_tokens (reasoning
  // models refuse max_tokens); compatible servers mostly know only max_tokens.
  bool max_completion_tokens = false;
};

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  std::string rest = start == std::string::npos ? url : url.substr(start + 3);
  return rest.substr(0, rest.find_first_of("/:?"));
}

struct Draft {
  std::string text;
  Usage usage;
  std::string finish_reason;
  std::string model;
  bool done = false;
  std::string error;      // an error object inside a 200 stream
  std::string malformed;  // a chunk that is not JSON
  std::string refusal;    // structured outputs: the model declined, in words
};

std::string error_text(const json& error) {
  if (error.is_string()) return error.get<std::string>();
  std::string out;
  if (error.contains("type") && error["type"].is_string())
    out = error["type"].get<std::string>();
  else if (error.contains("code") && error["code"].is_string())
    out = error["code"].get<std::string>();
  if (error.contains("message") && error["message"].is_string())
    out += (out.empty() ? "" : ": ") + error["message"].get<std::string>();
  return out.empty() ? error.dump() : out;
}

void read_usage(const json& j, Usage& usage) {
  if (!j.contains("usage") || !j["usage"].is_object()) return;
  const auto& u = j["usage"];
  if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number())
    usage.input_tokens = u["prompt_tokens"].get<long>();
  if (u.contains("completion_tokens") && u["completion_tokens"].is_number())
    usage.output_tokens = u["completion_tokens"].get<long>();
}

Verdict parse_whole(const std::string& body, Draft& d) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Verdict::fail_because("the response is not valid JSON: " + transport::describe_unexpected(body, 60));
  if (j.contains("error")) return Verdict::retry_because("error in the response: " + error_text(j["error"]));
  if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty())
    return Verdict::fail_because("the response has no choices");
  const auto& choice = j["choices"][0];
  const auto& message = choice.value("message", json::object());
  if (message.contains("content") && message["content"].is_string()) d.text = message["content"].get<std::string>();
  if (d.text.empty() && message.contains("refusal") && message["refusal"].is_string())
    return Verdict::fail_because("the model refused: " + message["refusal"].get<std::string>());
  if (choice.contains("finish_reason") && choice["finish_reason"].is_string())
    d.finish_reason = choice["finish_reason"].get<std::string>();
  if (j.contains("model") && j["model"].is_string()) d.model = j["model"].get<std::string>();
  read_usage(j, d.usage);
  return Verdict::accept();
}

class OpenAiRunner : public transport::StructuredRunner {
 public:
  OpenAiRunner(RunnerConfig config, Settings settings, transport::Environment environment,
               transport::RetryPolicy policy)
      : StructuredRunner(std::move(config), std::move(environment), policy,
                         {"openai",
                          2.0,
                          false,
                          "json_schema",
                          "structured output",
                          {"response_format", "json_schema", "structured"}}),
        settings_(std::move(settings)) {}

  std::string type() const override { return "openai"; }

 private:
  std::string model_for(const Request& request) const {
    return !request.model.empty() ? request.model : !config_.model.empty() ? config_.model : settings_.default_model;
  }

  transport::HttpRequest build(const Request& request, bool structured) const override {
    const std::string model = model_for(request);
    json body;
    body["model"] = model;
    body["messages"] = json::array();
    if (!request.system.empty()) body["messages"].push_back({{"role", "system"}, {"content", request.system}});
    body["messages"].push_back({{"role", "user"}, {"content", request.prompt_for(structured)}});
    if (request.max_tokens)
      body[settings_.max_completion_tokens ? "max_completion_tokens" : "max_tokens"] = *request.max_tokens;
    if (request.temperature) body["temperature"] = *request.temperature;
    body["stream"] = request.stream;
    if (request.stream) body["stream_options"] = {{"include_usage", true}};
    if (structured) {
      auto schema = json::parse(request.schema, nullptr, false);
      // strict mode would demand every property be required and no oneOf: the spec
      // schema has both, so the schema guides the model and arborist validates.
      if (!schema.is_discarded() && schema.is_object())
        body["response_format"] = {
            {"type", "json_schema"},
            {"json_schema", {{"name", "arborist_spec"}, {"strict", false}, {"schema", std::move(schema)}}}};
    }

    transport::HttpRequest http;
    http.url = transport::join_url(settings_.base_url, "/chat/completions");
    http.secrets = transport::url_secrets(settings_.base_url);  // "?key=…" or "user:key@host"
    http.headers.emplace_back("Content-Type", "application/json");
    http.headers.emplace_back("Accept", request.stream ? "text/event-stream" : "application/json");
    if (!settings_.api_key.empty()) {
      http.headers.emplace_back("Authorization", "Bearer " + settings_.api_key);
      http.secrets.push_back(settings_.api_key);
    }
    http.body = body.dump();
    return http;
  }

  Result<Answer> call(const Request& request, const transport::Limits& limits, bool structured) override {
    const std::string model = model_for(request);
    transport::HttpRequest http = build(request, structured);

    Draft draft;
    transport::ProgressReporter progress(request);
    transport::SseReader sse([&](const transport::SseEvent& event) {
      if (event.data == "[DONE]") {
        draft.done = true;
        return true;
      }
      auto j = json::parse(event.data, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        draft.malformed = transport::describe_unexpected(event.data);
        return false;
      }
      if (j.contains("error")) {
        draft.error = error_text(j["error"]);
        return false;
      }
      if (j.contains("model") && j["model"].is_string()) draft.model = j["model"].get<std::string>();
      if (j.contains("choices") && j["choices"].is_array() && !j["choices"].empty()) {
        const auto& choice = j["choices"][0];
        if (choice.contains("delta") && choice["delta"].contains("content") && choice["delta"]["content"].is_string()) {
          auto piece = choice["delta"]["content"].get<std::string>();
          draft.text += piece;
          progress.text(piece);
        }
        if (choice.contains("delta") && choice["delta"].contains("refusal") && choice["delta"]["refusal"].is_string())
          draft.refusal += choice["delta"]["refusal"].get<std::string>();
        if (choice.contains("finish_reason") && choice["finish_reason"].is_string())
          draft.finish_reason = choice["finish_reason"].get<std::string>();
      }
      read_usage(j, draft.usage);
      if (draft.usage.output_tokens) progress.tokens(draft.usage.output_tokens);
      return true;
    });

    transport::Exchange exchange;
    exchange.begin = [&](int) {
      draft = {};
      sse.reset();
    };
    bool streamed_body = false;
    exchange.on_body = [&](std::string_view chunk) {
      if (!request.stream) return true;
      streamed_body = true;
      return sse.feed(chunk);
    };
    exchange.judge = [&](const transport::HttpResponse& response) -> Verdict {
      // A server that ignores "stream": true answers with plain JSON; read it as such.
      bool is_json = response.header("content-type").starts_with("application/json");
      if (!request.stream || is_json) {
        draft = {};
        return parse_whole(response.body, draft);
      }
      if (streamed_body) sse.finish();
      if (!draft.malformed.empty())
        return Verdict::fail_because("a streamed chunk is not valid JSON: " + draft.malformed);
      if (!draft.error.empty()) return Verdict::retry_because("error event after HTTP 200: " + draft.error);
      if (!draft.done && draft.finish_reason.empty())
        return Verdict::retry_because("the stream ended before the answer was complete (no [DONE])");
      if (draft.text.empty() && !draft.refusal.empty())
        return Verdict::fail_because("the model refused: " + draft.refusal);
      return Verdict::accept();
    };

    // A local OpenAI-compatible server is not necessarily ollama: no `ollama serve` hint.
    transport::ProviderContext context{"openai", model, transport::redact_url(http.url), settings_.key_variable, false, {}};
    if (transport::is_loopback_url(settings_.base_url))
      context.connect_hint = "is the OpenAI-compatible server running at " + transport::redact_url(settings_.base_url) + "? (OPENAI_BASE_URL)";
    auto attempts = send(request, http, limits, std::move(exchange), progress, structured, std::move(context));
    if (!attempts) return fail(attempts.error());
    Answer answer;
    answer.text = std::move(draft.text);
    answer.usage = draft.usage;
    answer.finish_reason = draft.finish_reason;
    answer.model = draft.model.empty() ? model : draft.model;
    answer.attempts = *attempts;
    answer.structure = structure_of(structured);
    if (answer.finish_reason == "length")
      answer.warnings.push_back("the answer was cut off at the token limit; raise --max-tokens");
    return answer;
  }

  Settings settings_;
};

}  // namespace

namespace {

// Where the openai runner sends requests, its key and default model: the one place this is
// decided, for the runner and for its descriptor (cache keys, estimates, `config show`).
Settings resolve_settings(const RunnerConfig& config, const EnvLookup& env) {
  Settings s;
  auto openai_key = env("OPENAI_API_KEY");
  auto openrouter_key = env("OPENROUTER_API_KEY");
  if (!config.base_url.empty())
    s.base_url = config.base_url;
  else if (auto base = env("OPENAI_BASE_URL"))
    s.base_url = *base;
  else if (!openai_key && openrouter_key)
    s.base_url = kOpenRouterBaseUrl;  // only an OpenRouter key: use OpenRouter
  else
    s.base_url = kOpenAiDefaultBaseUrl;
  const std::string host = host_of(s.base_url);
  const bool openrouter = host == "openrouter.ai";
  if (openrouter && openrouter_key) {
    s.api_key = *openrouter_key;
    s.key_variable = "OPENROUTER_API_KEY";
  } else if (openai_key) {
    s.api_key = *openai_key;
    s.key_variable = "OPENAI_API_KEY";
  }
  s.default_model = openrouter ? kOpenRouterDefaultModel : kOpenAiDefaultModel;
  s.max_completion_tokens = host == "api.openai.com" || host.ends_with(".openai.azure.com");
  return s;
}

}  // namespace

Result<std::unique_ptr<Runner>> make_openai_runner(const RunnerConfig& config, transport::Environment environment) {
  Settings s = resolve_settings(config, environment.env);
  const bool openrouter = host_of(s.base_url) == "openrouter.ai";
  if (auto it = config.options.find("token_parameter"); it != config.options.end()) {
    if (it->second != "max_tokens" && it->second != "max_completion_tokens")
      return fail(ExitCode::config, "runner option token_parameter must be max_tokens or max_completion_tokens, not '" +
                                        it->second + "'");
    s.max_completion_tokens = it->second == "max_completion_tokens";
  }
  if (s.api_key.empty() && !transport::is_loopback_url(s.base_url)) {
    std::string variable = openrouter ? "OPENROUTER_API_KEY" : "OPENAI_API_KEY";
    return fail(ExitCode::config,
                "the openai runner needs an API key for " + transport::redact_url(s.base_url) + ": " + variable + " is not set",
                "export " + variable + "=… (or set OPENAI_BASE_URL to a local server that needs no key)");
  }
  auto policy = transport::policy_for(config, environment.policy);
  if (!policy) return fail(policy.error());
  return std::unique_ptr<Runner>(new OpenAiRunner(config, std::move(s), std::move(environment), *policy));
}

Result<std::unique_ptr<Runner>> make_openai_runner(const RunnerConfig& config) {
  return make_openai_runner(config, transport::Environment{});
}

Descriptor openai_descriptor() {
  Descriptor d;
  d.type = "openai";
  d.summary = "OpenAI chat completions and compatible servers (OPENAI_API_KEY, OPENAI_BASE_URL)";
  d.key_variables = {"OPENAI_API_KEY", "OPENROUTER_API_KEY"};
  d.dagu_chat_provider = "openai";
  d.detect_rank = 2;
  d.max_temperature = 2.0;
  d.endpoint = [](const RunnerConfig& config, const EnvLookup& env) {
    Settings s = resolve_settings(config, env);
    return Endpoint{s.base_url, s.default_model};
  };
  d.cache_settings = option_cache_settings;
  d.factory = [](const RunnerConfig& c) { return make_openai_runner(c, transport::environment_for(c)); };
  return d;
}

}  // namespace arborist::runners
