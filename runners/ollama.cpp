#include "runners/ollama.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
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
  std::string error;
  std::string malformed;
};

// Reads one NDJSON object (or the whole non-streamed body, which has the same shape).
bool read_chunk(const json& j, Draft& d, transport::ProgressReporter* progress) {
  if (j.contains("error")) {
    d.error = j["error"].is_string() ? j["error"].get<std::string>() : j["error"].dump();
    return false;
  }
  if (j.contains("model") && j["model"].is_string()) d.model = j["model"].get<std::string>();
  if (j.contains("message") && j["message"].contains("content") && j["message"]["content"].is_string()) {
    auto piece = j["message"]["content"].get<std::string>();
    d.text += piece;
    if (progress) progress->text(piece);
  }
  if (j.value("done", false)) {
    d.done = true;
    d.finish_reason = j.value("done_reason", std::string("stop"));
    if (j.contains("prompt_eval_count") && j["prompt_eval_count"].is_number())
      d.usage.input_tokens = j["prompt_eval_count"].get<long>();
    if (j.contains("eval_count") && j["eval_count"].is_number()) d.usage.output_tokens = j["eval_count"].get<long>();
    if (progress) progress->tokens(d.usage.output_tokens);
  }
  return true;
}

class OllamaRunner : public transport::StructuredRunner {
 public:
  OllamaRunner(RunnerConfig config, std::string host, std::string api_key, transport::Environment environment,
               transport::RetryPolicy policy)
      // Ollama may load the model from disk before the first byte: that can take minutes.
      // Older versions know only "format": "json", or none.
      : StructuredRunner(
            std::move(config), std::move(environment), policy,
            {"ollama", 2.0, /*slow_start=*/true, "format", "the schema in \"format\"", {"format", "schema"}}),
        host_(std::move(host)),
        api_key_(std::move(api_key)) {}

  std::string type() const override { return "ollama"; }

 private:
  std::string model_for(const Request& request) const {
    return !request.model.empty() ? request.model : !config_.model.empty() ? config_.model : kOllamaDefaultModel;
  }

  transport::HttpRequest build(const Request& request, bool structured) const override {
    const std::string model = model_for(request);
    const int num_predict = request.max_tokens.value_or(kOllamaDefaultMaxTokens);
    const int num_ctx = ollama_context_size(request.system.size() + request.prompt_for(structured).size(), num_predict);

    json body;
    body["model"] = model;
    body["messages"] = json::array();
    if (!request.system.empty()) body["messages"].push_back({{"role", "system"}, {"content", request.system}});
    body["messages"].push_back({{"role", "user"}, {"content", request.prompt_for(structured)}});
    body["stream"] = request.stream;
    if (structured) {
      auto schema = json::parse(request.schema, nullptr, false);
      if (!schema.is_discarded() && schema.is_object()) body["format"] = schema;
    }
    json options;
    options["num_predict"] = num_predict;
    options["num_ctx"] = num_ctx;
    if (request.temperature) options["temperature"] = *request.temperature;
    body["options"] = options;

    transport::HttpRequest http;
    http.url = transport::join_url(host_, "/api/chat");
    http.secrets = transport::url_secrets(host_);
    http.headers = {{"Content-Type", "application/json"},
                    {"Accept", request.stream ? "application/x-ndjson" : "application/json"}};
    if (!api_key_.empty()) {
      http.headers.emplace_back("Authorization", "Bearer " + api_key_);
      http.secrets.push_back(api_key_);
    }
    http.body = body.dump();
    return http;
  }

  Result<Answer> call(const Request& request, const transport::Limits& limits, bool structured) override {
    const std::string model = model_for(request);
    const int num_predict = request.max_tokens.value_or(kOllamaDefaultMaxTokens);
    const int num_ctx = ollama_context_size(request.system.size() + request.prompt_for(structured).size(), num_predict);
    transport::HttpRequest http = build(request, structured);

    Draft draft;
    transport::ProgressReporter progress(request);
    transport::NdjsonReader ndjson([&](std::string_view line) {
      auto j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        draft.malformed = transport::describe_unexpected(line);
        return false;
      }
      return read_chunk(j, draft, &progress);
    });

    transport::Exchange exchange;
    exchange.begin = [&](int) {
      draft = {};
      ndjson.reset();
    };
    exchange.on_body = [&](std::string_view chunk) { return !request.stream || ndjson.feed(chunk); };
    exchange.judge = [&](const transport::HttpResponse& response) -> Verdict {
      if (!request.stream) {
        draft = {};
        auto j = json::parse(response.body, nullptr, false);
        if (j.is_discarded() || !j.is_object())
          return Verdict::fail_because("the response is not valid JSON: " +
                                       transport::describe_unexpected(response.body, 60));
        if (!read_chunk(j, draft, nullptr)) return Verdict::retry_because("error in the response: " + draft.error);
      } else {
        ndjson.finish();
      }
      if (!draft.malformed.empty())
        return Verdict::fail_because("a streamed line is not valid JSON: " + draft.malformed);
      if (!draft.error.empty()) return Verdict::retry_because("error after HTTP 200: " + draft.error);
      if (!draft.done) return Verdict::retry_because("the stream ended before \"done\": true");
      return Verdict::accept();
    };

    transport::ProviderContext context{"ollama", model, transport::redact_url(http.url), api_key_.empty() ? "" : "OLLAMA_API_KEY", true, {}};
    auto attempts = send(request, http, limits, std::move(exchange), progress, structured, std::move(context));
    if (!attempts) return fail(attempts.error());
    Answer answer;
    answer.text = std::move(draft.text);
    answer.usage = draft.usage;
    answer.finish_reason = draft.finish_reason;
    answer.model = draft.model.empty() ? model : draft.model;
    answer.attempts = *attempts;
    answer.structure = structure_of(structured);
    // Ollama cuts a prompt that does not fit num_ctx without an error; a prompt that
    // filled all the room left for input is the sign it happened.
    if (draft.usage.input_tokens > 0 && draft.usage.input_tokens >= num_ctx - num_predict)
      answer.warnings.push_back("the prompt used " + std::to_string(draft.usage.input_tokens) + " of the " +
                                std::to_string(num_ctx) +
                                "-token context (num_ctx); it may have been truncated — "
                                "use a model with a larger context or a shorter description");
    if (answer.finish_reason == "length")
      answer.warnings.push_back("the answer was cut off at the token limit; raise --max-tokens");
    return answer;
  }

  std::string host_;
  std::string api_key_;
};

}  // namespace

std::string normalize_ollama_host(std::string host) {
  while (!host.empty() && host.back() == '/') host.pop_back();
  if (host.find("://") == std::string::npos) {
    // Ollama's own client: no scheme means http, and no port means 11434.
    std::string hostpart = host.substr(0, host.find('/'));
    bool has_port = hostpart.rfind(':') != std::string::npos && hostpart.back() != ']';
    if (!has_port) host = hostpart + ":11434" + host.substr(hostpart.size());
    host = "http://" + host;
  }
  // 0.0.0.0 is where a server listens, not an address to connect to.
  if (auto pos = host.find("://0.0.0.0"); pos != std::string::npos) host.replace(pos + 3, 7, "127.0.0.1");
  return host;
}

int ollama_context_size(size_t prompt_bytes, int num_predict) {
  // About 3 bytes per token for English prose is on the safe side; pad for the chat template.
  long needed = static_cast<long>(prompt_bytes / 3) + 256 + num_predict;
  long size = 4096;
  while (size < needed && size < 131072) size *= 2;
  return static_cast<int>(size);
}

namespace {

// The one place the ollama runner's server is decided (runner and descriptor).
std::string resolve_host(const RunnerConfig& config, const EnvLookup& env) {
  return normalize_ollama_host(!config.base_url.empty() ? config.base_url
                                                        : env("OLLAMA_HOST").value_or(kOllamaDefaultHost));
}

}  // namespace

Result<std::unique_ptr<Runner>> make_ollama_runner(const RunnerConfig& config, transport::Environment environment) {
  std::string host = resolve_host(config, environment.env);
  auto policy = transport::policy_for(config, environment.policy);
  if (!policy) return fail(policy.error());
  std::string key = environment.env("OLLAMA_API_KEY").value_or("");  // ollama.com's hosted API wants one
  return std::unique_ptr<Runner>(
      new OllamaRunner(config, std::move(host), std::move(key), std::move(environment), *policy));
}

Result<std::unique_ptr<Runner>> make_ollama_runner(const RunnerConfig& config) {
  return make_ollama_runner(config, transport::Environment{});
}

Descriptor ollama_descriptor() {
  Descriptor d;
  d.type = "ollama";
  d.summary = "local models through Ollama's /api/chat (OLLAMA_HOST)";
  d.key_variables = {"OLLAMA_API_KEY"};  // ollama.com's hosted API; a local server needs none
  d.dagu_chat_provider = "local";
  d.max_temperature = 2.0;
  d.default_output_cap = kOllamaDefaultMaxTokens;
  d.endpoint = [](const RunnerConfig& config, const EnvLookup& env) {
    return Endpoint{resolve_host(config, env), kOllamaDefaultModel};
  };
  d.cache_settings = option_cache_settings;
  d.factory = [](const RunnerConfig& c) { return make_ollama_runner(c, transport::environment_for(c)); };
  return d;
}

}  // namespace arborist::runners
