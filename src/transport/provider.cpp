#include "transport/provider.hpp"

#include "core/limits.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace arborist::transport {

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value || !*value) return std::nullopt;
    return std::string(value);
  };
}

Environment environment_for(const runners::RunnerConfig& config, Environment base) {
  if (config.api_key.empty()) return base;
  EnvLookup inner = base.env;
  const std::string key = config.api_key;
  std::vector<std::string> variables;
  if (const auto* descriptor = runners::builtin_registry().find(config.type)) variables = descriptor->key_variables;
  base.env = [inner, key, variables](const std::string& name) -> std::optional<std::string> {
    if (std::find(variables.begin(), variables.end(), name) != variables.end()) return key;
    return inner(name);
  };
  return base;
}

ProviderError parse_provider_error(const std::string& body) {
  ProviderError out;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    std::string text = body.substr(0, 300);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    out.message = text;
    return out;
  }
  auto string_of = [](const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return std::string();
    return v.dump();
  };
  if (j.contains("error")) {
    const auto& e = j["error"];
    if (e.is_string()) {
      out.message = e.get<std::string>();  // ollama: {"error":"model 'x' not found"}
    } else if (e.is_object()) {
      if (e.contains("type")) out.type = string_of(e["type"]);
      if (out.type.empty() && e.contains("code")) out.type = string_of(e["code"]);
      if (e.contains("message")) out.message = string_of(e["message"]);
    }
  } else if (j.contains("message")) {
    out.message = string_of(j["message"]);
  }
  return out;
}

namespace {

std::string rate_limit_reset(const HttpResponse& response) {
  std::string out;
  for (const char* name : {"retry-after", "retry-after-ms", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens",
                           "anthropic-ratelimit-requests-reset", "anthropic-ratelimit-tokens-reset",
                           "anthropic-ratelimit-input-tokens-reset", "anthropic-ratelimit-output-tokens-reset"}) {
    std::string value = response.header(name);
    if (value.empty()) continue;
    if (!out.empty()) out += ", ";
    out += std::string(name) + ": " + value;
  }
  return out;
}

}  // namespace

Error describe_failure(const ProviderContext& c, const Failure& f) {
  Error e;
  e.code = ExitCode::runner;
  const std::string who = c.runner + " runner (model " + c.model + ")";
  const std::string tries = f.attempts > 1 ? " after " + std::to_string(f.attempts) + " attempts" : "";
  switch (f.kind) {
    case Failure::connect:
      e.message = who + ": could not reach " + c.url + tries + ": " + f.detail;
      if (!c.connect_hint.empty()) {
        e.hint = c.connect_hint;
      } else if (c.local_server) {
        std::string base = c.url.substr(0, c.url.find("/api/"));
        e.hint = "is `ollama serve` running at " + base + "? (set OLLAMA_HOST if it listens elsewhere)";
      } else {
        e.hint = "check the network, the proxy settings (HTTPS_PROXY, NO_PROXY) and the base URL";
      }
      return e;
    case Failure::timeout:
      e.message = who + ": " + f.detail + tries;
      e.hint = "raise --timeout, or try a smaller or faster model";
      return e;
    case Failure::too_large:
      e.message = who + ": " + f.detail;
      e.hint = "lower --max-tokens; a spec is never that large";
      return e;
    case Failure::body:
      e.message = who + ": the answer could not be read" + tries + ": " + f.detail;
      e.hint = "rerun with --debug to see the full response";
      return e;
    case Failure::unavailable:
      e.message = who + ": " + f.detail.substr(0, f.detail.find("; "));
      e.hint = "install libcurl (Debian: apt-get install libcurl4); the offline mock runner works without it";
      return e;
    case Failure::deadline:
    case Failure::http_status: break;
  }
  const long status = f.response.status;
  ProviderError p = parse_provider_error(f.response.body);
  std::string provider;
  if (!p.type.empty()) provider += " " + p.type;
  if (!p.message.empty()) provider += ": " + p.message;
  e.message = who + ": HTTP " + std::to_string(status) + provider + tries;
  if (f.kind == Failure::deadline) e.message += " (" + f.detail.substr(f.detail.find(';') + 2) + ")";

  if (status == 401) {
    e.hint = c.key_variable.empty() ? "the server wants an API key; set one for this runner"
                                    : "the key from " + c.key_variable + " was rejected; set a valid key";
  } else if (status == 403) {
    e.hint = c.key_variable.empty()
                 ? "the server refused access"
                 : "the key from " + c.key_variable + " may not use model " + c.model + "; check the key's permissions";
  } else if (status == 404) {
    e.message = who + ": model " + c.model + " not found on this server (HTTP 404" + provider + ")";
    e.hint = c.local_server ? "pull it with `ollama pull " + c.model + "`, or pick another with --model"
                            : "pick another model with --model, and check that " + c.url + " is the right endpoint";
  } else if (status == 429) {
    std::string reset = rate_limit_reset(f.response);
    e.hint = reset.empty() ? "the rate limit was hit; wait a moment and run again"
                           : "the rate limit resets as the server said (" + reset + "); run again after that";
  } else if (status == 400 || status == 422) {
    e.hint =
        "the provider rejected the request; check --model, --max-tokens and --temperature, "
        "or rerun with --debug to see it";
  } else if (status >= 500) {
    e.hint = "the provider is having trouble; try again later";
  } else {
    e.hint = "rerun with --debug to see the full exchange";
  }
  if (f.kind == Failure::deadline) e.hint = "raise --timeout to allow the wait, or " + e.hint;
  return e;
}

Result<Limits> limits_for(const runners::Request& request, const runners::RunnerConfig& config, bool slow_start) {
  Limits limits;
  limits.max_body_bytes = static_cast<size_t>(input_limits().response_bytes);  // max_body_mb below wins
  limits.total = Millis(static_cast<long long>(request.timeout_seconds) * 1000);
  if (!request.stream || slow_start) limits.first_byte = std::max(limits.first_byte, limits.total);
  auto seconds_option = [&](const char* key, Millis& target) -> Result<void> {
    auto it = config.options.find(key);
    if (it == config.options.end()) return {};
    try {
      size_t used = 0;
      double v = std::stod(it->second, &used);
      if (used != it->second.size() || !(v > 0) || !std::isfinite(v)) throw std::invalid_argument("range");
      target = Millis(static_cast<long long>(std::ceil(v * 1000)));
    } catch (...) {
      return fail(ExitCode::config,
                  "runner option " + std::string(key) + " must be a number of seconds > 0, not '" + it->second + "'");
    }
    return {};
  };
  for (auto [key, target] :
       {std::pair{"connect_timeout", &limits.connect}, std::pair{"first_byte_timeout", &limits.first_byte},
        std::pair{"idle_timeout", &limits.idle}})
    if (auto r = seconds_option(key, *target); !r) return fail(r.error());
  if (auto it = config.options.find("max_body_mb"); it != config.options.end()) {
    try {
      limits.max_body_bytes = static_cast<size_t>(std::stoul(it->second)) * 1024 * 1024;
    } catch (...) {
      return fail(ExitCode::config, "runner option max_body_mb must be a whole number, not '" + it->second + "'");
    }
  }
  return limits;
}

Result<RetryPolicy> policy_for(const runners::RunnerConfig& config, RetryPolicy base) {
  if (auto it = config.options.find("max_retries"); it != config.options.end()) {
    try {
      size_t used = 0;
      int n = std::stoi(it->second, &used);
      if (used != it->second.size() || n < 0 || n > 20) throw std::invalid_argument("range");
      base.max_retries = n;
    } catch (...) {
      return fail(ExitCode::config,
                  "runner option max_retries must be a whole number from 0 to 20, not '" + it->second + "'");
    }
  }
  return base;
}

Result<void> check_common_parameters(const runners::Request& request, double max_temperature,
                                     const std::string& runner) {
  if (request.timeout_seconds <= 0)
    return fail(ExitCode::usage,
                "--timeout must be more than 0 seconds, not " + std::to_string(request.timeout_seconds));
  if (request.temperature && !(*request.temperature >= 0.0 && *request.temperature <= max_temperature)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", *request.temperature);
    char max_buf[16];
    std::snprintf(max_buf, sizeof max_buf, "%.1f", max_temperature);
    return fail(ExitCode::usage, "--temperature " + std::string(buf) + " is out of range for the " + runner + " runner",
                "use a value from 0.0 to " + std::string(max_buf));
  }
  if (request.max_tokens && *request.max_tokens <= 0)
    return fail(ExitCode::usage, "--max-tokens must be more than 0, not " + std::to_string(*request.max_tokens));
  return {};
}

namespace {

struct UrlParts {
  size_t authority = 0;        // after "scheme://"
  size_t host = 0;             // after "user:password@", if any
  size_t path_end = 0;         // where '?' or '#' starts (or the end)
  size_t password = std::string::npos, password_end = 0;
};

UrlParts parts_of(const std::string& url) {
  UrlParts p;
  auto scheme = url.find("://");
  p.authority = scheme == std::string::npos ? 0 : scheme + 3;
  size_t authority_end = url.find_first_of("/?#", p.authority);
  if (authority_end == std::string::npos) authority_end = url.size();
  p.host = p.authority;
  size_t at = url.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
  if (at != std::string::npos && at >= p.authority && at < authority_end) {
    p.host = at + 1;
    size_t colon = url.find(':', p.authority);
    if (colon != std::string::npos && colon < at) {
      p.password = colon + 1;
      p.password_end = at;
    }
  }
  p.path_end = url.find_first_of("?#", p.authority);
  if (p.path_end == std::string::npos) p.path_end = url.size();
  return p;
}

}  // namespace

// "https://host/v1?key=K" + "/chat/completions" → "https://host/v1/chat/completions?key=K".
std::string join_url(std::string base, const std::string& path) {
  size_t tail = parts_of(base).path_end;
  std::string suffix = base.substr(tail);
  base.resize(tail);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + path + suffix;
}

bool is_loopback_url(const std::string& url) {
  std::string rest = url.substr(parts_of(url).host);  // "user:key@127.0.0.1" is loopback too
  return rest.starts_with("localhost") || rest.starts_with("127.") || rest.starts_with("[::1]") ||
         rest.starts_with("0.0.0.0");
}

std::vector<std::string> url_secrets(const std::string& url) {
  std::vector<std::string> out;
  UrlParts p = parts_of(url);
  if (p.password != std::string::npos && p.password_end > p.password)
    out.push_back(url.substr(p.password, p.password_end - p.password));
  if (p.path_end < url.size() && url[p.path_end] == '?') {
    size_t end = url.find('#', p.path_end);
    std::string query = url.substr(p.path_end + 1, (end == std::string::npos ? url.size() : end) - p.path_end - 1);
    size_t i = 0;
    while (i <= query.size()) {
      size_t amp = query.find('&', i);
      std::string pair = query.substr(i, (amp == std::string::npos ? query.size() : amp) - i);
      size_t eq = pair.find('=');
      if (eq != std::string::npos && eq + 1 < pair.size()) out.push_back(pair.substr(eq + 1));
      if (amp == std::string::npos) break;
      i = amp + 1;
    }
  }
  std::erase_if(out, [](const std::string& v) { return v.size() < 3; });  // "v=1" is no secret; redacting it mangles text
  return out;
}

std::string redact_url(const std::string& url) {
  std::string out = url;
  for (const auto& secret : url_secrets(url))
    for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 10))
      out.replace(at, secret.size(), "[REDACTED]");
  return out;
}

std::function<void(const std::string&)> debug_writer(const Environment& environment) {
  if (environment.debug_sink) return environment.debug_sink;
  return [](const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
  };
}

void ProgressReporter::attempt(int n) {
  state_ = {};
  state_.attempt = n;
  emit(true);
}

void ProgressReporter::text(std::string_view piece) {
  state_.chars += static_cast<long>(piece.size());
  if (on_text_ && !piece.empty()) on_text_(piece, state_.attempt);
  emit(false);
}

void ProgressReporter::tokens(long output_tokens) {
  state_.output_tokens = output_tokens;
  emit(false);
}

void ProgressReporter::emit(bool) {
  // The display throttles its own redraws; every update is cheap to pass on.
  if (callback_) callback_(state_);
}

void observe_attempts(const runners::Request& request, Exchange& exchange) {
  if (!request.on_attempt) return;
  exchange.on_attempt_end = [observer = request.on_attempt](const AttemptOutcome& o) {
    runners::AttemptReport report;
    report.attempt = o.attempt;
    report.http_status = o.http_status;
    if (o.wait_before_next) report.wait_ms = static_cast<long>(o.wait_before_next->count());
    report.outcome = o.outcome;
    observer(report);
  };
}

bool refuses_parameter(const Failure& failure, std::initializer_list<std::string_view> words) {
  if (failure.kind != Failure::http_status) return false;
  if (failure.response.status != 400 && failure.response.status != 422) return false;
  std::string body = failure.response.body;
  for (auto& c : body) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return body.find(w) != std::string::npos; });
}

// ---- StructuredRunner ----

StructuredRunner::StructuredRunner(runners::RunnerConfig config, Environment environment, RetryPolicy policy,
                                   Traits traits)
    : config_(std::move(config)),
      environment_(std::move(environment)),
      client_(environment_.timing, policy),
      traits_(std::move(traits)) {}

Result<runners::Answer> StructuredRunner::complete(const runners::Request& request) {
  if (auto ok = check_common_parameters(request, traits_.max_temperature, traits_.name); !ok) return fail(ok.error());
  auto limits = limits_for(request, config_, traits_.slow_start);
  if (!limits) return fail(limits.error());
  const bool structured = !request.schema.empty() && !structure_refused_;
  refusal_.clear();
  auto answer = call(request, *limits, structured);
  if (!answer && structured && !refusal_.empty()) {
    // Many compatible servers lack the structure parameter; the planner validates anyway.
    structure_refused_ = true;
    const std::string refusal = refusal_;
    answer = call(request, *limits, false);
    if (answer)
      answer->warnings.push_back("the server refused " + traits_.refused_what + " (" + refusal +
                                 "); asked for JSON in the prompt instead");
  }
  return answer;
}

Result<runners::WireRequest> StructuredRunner::preview(const runners::Request& request) {
  if (auto ok = check_common_parameters(request, traits_.max_temperature, traits_.name); !ok) return fail(ok.error());
  HttpRequest http = build(request, !request.schema.empty() && !structure_refused_);
  runners::WireRequest wire{http.method, redact_url(http.url), {}, {}, http.body};
  for (const auto& [name, value] : http.headers) wire.headers.emplace_back(name, redact(value, http.secrets));
  return wire;
}

Result<int> StructuredRunner::send(const runners::Request& request, const HttpRequest& http, const Limits& limits,
                                   Exchange exchange, ProgressReporter& progress, bool structured,
                                   ProviderContext context) {
  client_.set_debug_log(request.debug ? debug_writer(environment_) : nullptr);
  int attempts = 0;
  exchange.begin = [&attempts, &progress, reset = std::move(exchange.begin)](int attempt) {
    attempts = attempt;
    if (reset) reset(attempt);
    progress.attempt(attempt);
  };
  observe_attempts(request, exchange);

  auto result = client_.send(http, limits, exchange);
  if (result) return attempts;
  const Failure& failure = result.error();
  std::vector<std::string_view> words(traits_.refusal_words.begin(), traits_.refusal_words.end());
  if (structured && failure.kind == Failure::http_status &&
      std::any_of(words.begin(), words.end(), [&](std::string_view w) { return refuses_parameter(failure, {w}); })) {
    ProviderError p = parse_provider_error(failure.response.body);
    refusal_ = "HTTP " + std::to_string(failure.response.status) + (p.message.empty() ? "" : ": " + p.message);
    return fail(ExitCode::runner, refusal_);
  }
  // A key the configuration supplied is named by its source, not the variable it stands in for.
  if (!config_.api_key.empty() && !context.key_variable.empty() && !config_.api_key_source.empty())
    context.key_variable = config_.api_key_source;
  return fail(describe_failure(context, failure));
}

}  // namespace arborist::transport
