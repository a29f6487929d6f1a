#include "runners/claude.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

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
    return Verdict::fail_because("the response is not valid JSON (it starts with '" + body.substr(0, 60) + "')");
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

// A 400/422 whose error names tools: the server does not support them.
bool refuses_tools(const transport::Failure& failure) {
  if (failure.kind != transport::Failure::http_status) return false;
  if (failure.response.status != 400 && failure.response.status != 422) return false;
  std::string body = failure.response.body;
  for (auto& c : body) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return body.find("tool") != std::string::npos || body.find("input_schema") != std::string::npos;
}

class ClaudeRunner : public Runner {
 public:
  ClaudeRunner(RunnerConfig config, std::string base_url, std::string api_key, transport::Environment environment,
               transport::RetryPolicy policy)
      : config_(std::move(config)),
        base_url_(std::move(base_url)),
        api_key_(std::move(api_key)),
        environment_(std::move(environment)),
        client_(environment_.timing, policy) {}

  std::string type() const override { return "claude"; }

  Result<Answer> complete(const Request& request) override {
    // Anthropic's temperature range is 0.0–1.0, narrower than the others'.
    if (auto ok = transport::check_common_parameters(request, 1.0, "claude"); !ok) return fail(ok.error());
    auto limits = transport::limits_for(request, config_);
    if (!limits) return fail(limits.error());
    const bool structured = !request.schema.empty() && !structure_refused_;
    std::string refusal;
    auto answer = send(request, *limits, structured, &refusal);
    if (!answer && !refusal.empty()) {
      // Anthropic-compatible servers without tool support; the planner validates anyway.
      structure_refused_ = true;
      answer = send(request, *limits, false, nullptr);
      if (answer)
        answer->warnings.push_back("the server refused the forced tool call (" + refusal +
                                   "); asked for JSON in the prompt instead");
    }
    return answer;
  }

  Result<WireRequest> preview(const Request& request) override {
    if (auto ok = transport::check_common_parameters(request, 1.0, "claude"); !ok) return fail(ok.error());
    auto http = build(request, !request.schema.empty() && !structure_refused_);
    WireRequest wire{http.method, http.url, {}, http.body};
    for (const auto& [name, value] : http.headers)
      wire.headers.emplace_back(name, transport::redact(value, http.secrets));
    return wire;
  }

 private:
  std::string model_for(const Request& request) const {
    return !request.model.empty() ? request.model : !config_.model.empty() ? config_.model : kClaudeDefaultModel;
  }

  transport::HttpRequest build(const Request& request, bool structured) const {
    const std::string model = model_for(request);
    json body;
    body["model"] = model;
    body["max_tokens"] = request.max_tokens.value_or(kClaudeDefaultMaxTokens);
    if (!request.system.empty()) body["system"] = request.system;
    body["messages"] = json::array({{{"role", "user"}, {"content", request.prompt}}});
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
    http.secrets.push_back(api_key_);
    http.body = body.dump();
    return http;
  }

  // One call. When `refusal` is given and the server refuses the tool parameters
  // (HTTP 400/422 naming them), says why there and fails.
  Result<Answer> send(const Request& request, const transport::Limits& limits, bool structured, std::string* refusal) {
    const std::string model = model_for(request);
    transport::HttpRequest http = build(request, structured);
    client_.set_debug_log(request.debug ? transport::debug_writer(environment_) : nullptr);

    Draft draft;
    int attempts = 0;
    transport::ProgressReporter progress(request);
    transport::SseReader sse([&](const transport::SseEvent& event) {
      auto j = json::parse(event.data, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        draft.malformed = event.data.substr(0, 80);
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
          progress.text(piece.size());
        } else if (delta_type == "input_json_delta") {
          // The forced tool call's input, streamed as pieces of JSON text.
          auto piece = delta.value("partial_json", std::string());
          draft.tool_input += piece;
          progress.text(piece.size());
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
    exchange.begin = [&](int attempt) {
      attempts = attempt;
      draft = {};
      sse.reset();
      progress.attempt(attempt);
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
        return Verdict::fail_because("a streamed event is not valid JSON: '" + draft.malformed + "'");
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

    auto result = client_.send(http, limits, exchange);
    if (!result && structured && refusal && refuses_tools(result.error())) {
      auto p = transport::parse_provider_error(result.error().response.body);
      *refusal = "HTTP " + std::to_string(result.error().response.status) + (p.message.empty() ? "" : ": " + p.message);
      return fail(ExitCode::runner, *refusal);
    }
    if (!result) {
      transport::ProviderContext context{"claude", model, http.url, "ANTHROPIC_API_KEY", false};
      return fail(transport::describe_failure(context, result.error()));
    }
    Answer answer;
    answer.text = draft.tool_input.empty() ? std::move(draft.text) : std::move(draft.tool_input);
    answer.usage = draft.usage;
    answer.finish_reason = draft.finish_reason;
    answer.model = draft.model.empty() ? model : draft.model;
    answer.attempts = attempts;
    answer.structure = structured ? "tool" : "text";
    if (answer.finish_reason == "max_tokens")
      answer.warnings.push_back("the answer was cut off at the token limit; raise --max-tokens");
    return answer;
  }

  RunnerConfig config_;
  bool structure_refused_ = false;  // once refused, later calls (repairs) ask in words
  std::string base_url_;
  std::string api_key_;
  transport::Environment environment_;
  transport::Client client_;
};

}  // namespace

Result<std::unique_ptr<Runner>> make_claude_runner(const RunnerConfig& config, transport::Environment environment) {
  std::string base_url = config.base_url;
  if (base_url.empty()) base_url = environment.env("ANTHROPIC_BASE_URL").value_or(kClaudeDefaultBaseUrl);
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

}  // namespace arborist::runners
