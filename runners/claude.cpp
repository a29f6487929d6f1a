#include "runners/claude.hpp"

#include <nlohmann/json.hpp>

#include "transport/stream.hpp"

namespace arborist::runners {

namespace {

using nlohmann::json;
using transport::Verdict;

struct Draft {
  std::string text;
  Usage usage;
  std::string finish_reason;
  std::string model;
  bool done = false;
  std::string error_type;
  std::string error;
  std::string malformed;
  std::string tool_input;  // streamed input_json_delta pieces of a tool_use block
};

// Errors Anthropic asks clients to retry: overloaded (529) and its internal api_error.
bool retryable_error_type(const std::string& type) {
  return type == "overloaded_error" || type == "api_error";
}

void read_error(const json& j, Draft& d) {
  const auto& e = j.contains("error") && j["error"].is_object() ? j["error"] : j;
  d.error_type = e.value("type", std::string("error"));
  d.error = d.error_type + ": " + e.value("message", std::string());
}

void read_usage(const json& usage, Usage& out) {
  if (!usage.is_object()) return;
  if (usage.contains("input_tokens") && usage["input_tokens"].is_number())
    out.input_tokens = usage["input_tokens"].get<long>();
  if (usage.contains("output_tokens") && usage["output_tokens"].is_number())
    out.output_tokens = usage["output_tokens"].get<long>();
}

Verdict parse_whole(const std::string& body, Draft& d) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Verdict::fail_because("the response is not valid JSON: " + transport::describe_unexpected(body, 60));
  if (j.value("type", std::string()) == "error") {
    read_error(j, d);
    return retryable_error_type(d.error_type) ? Verdict::retry_because("error in the response: " + d.error)
                                              : Verdict::fail_because("error in the response: " + d.error);
  }
  if (!j.contains("content") || !j["content"].is_array()) return Verdict::fail_because("the response has no content");
  // A forced tool call carries the spec as the tool's input; otherwise it is in text.
  std::string tool_input;
  for (const auto& block : j["content"]) {
    const std::string type = block.value("type", std::string());
    if (type == "text") d.text += block.value("text", std::string());
    if (type == "tool_use" && block.contains("input")) tool_input = block["input"].dump();
  }
  if (!tool_input.empty()) d.text = tool_input;
  if (j.contains("stop_reason") && j["stop_reason"].is_string()) d.finish_reason = j["stop_reason"].get<std::string>();
  d.model = j.value("model", std::string());
  if (j.contains("usage")) read_usage(j["usage"], d.usage);
  return Verdict::accept();
}

constexpr const char* kSpecToolName = "submit_spec";

class ClaudeRunner : public transport::StructuredRunner {
 public:
  ClaudeRunner(RunnerConfig config, std::string base_url, std::string api_key, transport::Environment environment,
               transport::RetryPolicy policy)
      // Anthropic's temperature range is 0.0–1.0, narrower than the others'. It has no
      // response format: a forced tool call whose input is the spec is its structured output.
      : StructuredRunner(std::move(config), std::move(environment), policy,
                         {"claude", 1.0, false, "tool", "the forced tool call", {"tool", "input_schema"}}),
        base_url_(std::move(base_url)),
        api_key_(std::move(api_key)) {}

  std::string type() const override { return "claude"; }

 private:
  std::string model_for(const Request& request) const {
    return !request.model.empty() ? request.model : !config_.model.empty() ? config_.model : kClaudeDefaultModel;
  }

  transport::HttpRequest build(const Request& request, bool structured) const override {
    const std::string model = model_for(request);
    json body;
    body["model"] = model;
    body["max_tokens"] = request.max_tokens.value_or(kClaudeDefaultMaxTokens);
    if (!request.system.empty()) body["system"] = request.system;
    body["messages"] = json::array({{{"role", "user"}, {"content", request.prompt_for(structured)}}});
    if (request.temperature) body["temperature"] = *request.temperature;
    body["stream"] = request.stream;
    if (structured) {
      auto schema = json::parse(request.schema, nullptr, false);
      // Anthropic has no response format: a tool whose input is the spec, and a
      // tool_choice that forces the model to call it, is its structured output.
      if (!schema.is_discarded() && schema.is_object()) {
        body["tools"] = json::array({{{"name", kSpecToolName},
                                      {"description", "Submit the arborist task spec for the workflow."},
                                      {"input_schema", std::move(schema)}}});
        body["tool_choice"] = {{"type", "tool"}, {"name", kSpecToolName}};
      }
    }

    transport::HttpRequest http;
    http.url = transport::join_url(base_url_, "/v1/messages");
    http.headers = {{"Content-Type", "application/json"},
                    {"Accept", request.stream ? "text/event-stream" : "application/json"},
                    {"x-api-key", api_key_},
                    {"anthropic-version", kAnthropicVersion}};
    http.secrets = transport::url_secrets(base_url_);
    http.secrets.push_back(api_key_);
    http.body = body.dump();
    return http;
  }

  Result<Answer> call(const Request& request, const transport::Limits& limits, bool structured) override {
    const std::string model = model_for(request);
    transport::HttpRequest http = build(request, structured);

    Draft draft;
    transport::ProgressReporter progress(request);
    transport::SseReader sse([&](const transport::SseEvent& event) {
      auto j = json::parse(event.data, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        draft.malformed = transport::describe_unexpected(event.data);
        return false;
      }
      const std::string type = j.value("type", event.event);
      if (type == "error") {
        read_error(j, draft);
        return false;
      }
      if (type == "message_start" && j.contains("message")) {
        draft.model = j["message"].value("model", std::string());
        if (j["message"].contains("usage")) read_usage(j["message"]["usage"], draft.usage);
      } else if (type == "content_block_delta" && j.contains("delta")) {
        const auto& delta = j["delta"];
        const std::string delta_type = delta.value("type", std::string());
        if (delta_type == "text_delta") {
          auto piece = delta.value("text", std::string());
          draft.text += piece;
          progress.text(piece);
        } else if (delta_type == "input_json_delta") {
          // The forced tool call's input, streamed as pieces of JSON text.
          auto piece = delta.value("partial_json", std::string());
          draft.tool_input += piece;
          progress.text(piece);
        }
      } else if (type == "message_delta") {
        if (j.contains("delta") && j["delta"].contains("stop_reason") && j["delta"]["stop_reason"].is_string())
          draft.finish_reason = j["delta"]["stop_reason"].get<std::string>();
        // message_delta's usage is cumulative; input_tokens may be repeated or absent.
        if (j.contains("usage")) read_usage(j["usage"], draft.usage);
        progress.tokens(draft.usage.output_tokens);
      } else if (type == "message_stop") {
        draft.done = true;
      }
      return true;
    });

    transport::Exchange exchange;
    exchange.begin = [&](int) {
      draft = {};
      sse.reset();
    };
    exchange.on_body = [&](std::string_view chunk) { return !request.stream || sse.feed(chunk); };
    exchange.judge = [&](const transport::HttpResponse& response) -> Verdict {
      bool is_json = response.header("content-type").starts_with("application/json");
      if (!request.stream || is_json) {
        draft = {};
        return parse_whole(response.body, draft);
      }
      sse.finish();
      if (!draft.malformed.empty())
        return Verdict::fail_because("a streamed event is not valid JSON: " + draft.malformed);
      if (!draft.error.empty())
        return retryable_error_type(draft.error_type)
                   ? Verdict::retry_because("error event after HTTP 200: " + draft.error)
                   : Verdict::fail_because("error event after HTTP 200: " + draft.error);
      if (!draft.done) return Verdict::retry_because("the stream ended before message_stop");
      return Verdict::accept();
    };
    exchange.retryable_body = [](const transport::HttpResponse& response) {
      return response.body.find("overloaded_error") != std::string::npos;
    };

    transport::ProviderContext context{"claude", model, transport::redact_url(http.url), "ANTHROPIC_API_KEY", false, {}};
    auto attempts = send(request, http, limits, std::move(exchange), progress, structured, std::move(context));
    if (!attempts) return fail(attempts.error());
    Answer answer;
    answer.text = draft.tool_input.empty() ? std::move(draft.text) : std::move(draft.tool_input);
    answer.usage = draft.usage;
    answer.finish_reason = draft.finish_reason;
    answer.model = draft.model.empty() ? model : draft.model;
    answer.attempts = *attempts;
    answer.structure = structure_of(structured);
    if (answer.finish_reason == "max_tokens")
      answer.warnings.push_back("the answer was cut off at the token limit; raise --max-tokens");
    return answer;
  }

  std::string base_url_;
  std::string api_key_;
};

}  // namespace

namespace {

// The one place the claude runner's endpoint is decided (runner and descriptor).
std::string resolve_base_url(const RunnerConfig& config, const EnvLookup& env) {
  return !config.base_url.empty() ? config.base_url : env("ANTHROPIC_BASE_URL").value_or(kClaudeDefaultBaseUrl);
}

}  // namespace

Result<std::unique_ptr<Runner>> make_claude_runner(const RunnerConfig& config, transport::Environment environment) {
  std::string base_url = resolve_base_url(config, environment.env);
  auto key = environment.env("ANTHROPIC_API_KEY");
  if (!key)
    return fail(ExitCode::config, "the claude runner needs an API key: ANTHROPIC_API_KEY is not set",
                "export ANTHROPIC_API_KEY=… (create one at https://console.anthropic.com/settings/keys)");
  auto policy = transport::policy_for(config, environment.policy);
  if (!policy) return fail(policy.error());
  return std::unique_ptr<Runner>(
      new ClaudeRunner(config, std::move(base_url), std::move(*key), std::move(environment), *policy));
}

Result<std::unique_ptr<Runner>> make_claude_runner(const RunnerConfig& config) {
  return make_claude_runner(config, transport::Environment{});
}

Descriptor claude_descriptor() {
  Descriptor d;
  d.type = "claude";
  d.summary = "Anthropic Messages API (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL)";
  d.key_variables = {"ANTHROPIC_API_KEY"};
  d.dagu_chat_provider = "anthropic";
  d.detect_rank = 1;
  d.max_temperature = 1.0;
  d.default_output_cap = kClaudeDefaultMaxTokens;
  d.endpoint = [](const RunnerConfig& config, const EnvLookup& env) {
    return Endpoint{resolve_base_url(config, env), kClaudeDefaultModel};
  };
  d.cache_settings = option_cache_settings;
  d.factory = [](const RunnerConfig& c) { return make_claude_runner(c, transport::environment_for(c)); };
  return d;
}

}  // namespace arborist::runners
