#pragma once
// The one HTTP transport every AI runner shares: libcurl (TLS, proxies from
// HTTPS_PROXY/NO_PROXY, connection reuse), one retry loop with full-jitter backoff
// that honours retry-after-ms / Retry-After, one deadline for the whole call, and
// separate connect / first-byte / idle-gap limits. Runners only build requests and
// read bodies; they never retry on their own.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"

namespace arborist::transport {

using Millis = std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// Time, sleeping and jitter, injectable so tests run instantly and can assert the
// exact waits. The real one uses the system clocks, sleeps and a random jitter.
struct Timing {
  std::function<SteadyTime()> now;
  std::function<WallTime()> wall_now;  // for Retry-After given as an HTTP date
  std::function<void(Millis)> sleep;
  std::function<double()> jitter;  // uniform in [0, 1]: full jitter picks jitter() * ceiling
  static Timing real();
};

// A fake Timing for tests: sleeping advances the clock and records the wait.
struct FakeTiming {
  SteadyTime steady{};
  WallTime wall = WallTime(std::chrono::seconds(1'700'000'000));
  double jitter_value = 1.0;
  std::vector<Millis> waits;
  Timing timing();
};

struct RetryPolicy {
  int max_retries = 3;  // attempts = max_retries + 1
  Millis base{500};     // ceiling for retry n (0-based) is min(cap, base * 2^n)
  Millis cap{8000};
};

struct Limits {
  Millis connect{10'000};     // TCP + TLS handshake
  Millis first_byte{60'000};  // request sent -> first response byte (headers)
  Millis idle{90'000};        // longest silence between two chunks of a body
  Millis total{120'000};      // the whole call, retries and waits included
  size_t max_body_bytes = 16 * 1024 * 1024;
};

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Values that must never appear in any output (API keys); debug logs and error
  // messages have them replaced by "[REDACTED]".
  std::vector<std::string> secrets;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; last value wins
  std::string body;
  std::string header(const std::string& lower_name) const;
};

// What the caller says about one finished 2xx attempt (or a stream it aborted).
struct Verdict {
  enum Kind { ok, retry, fail } kind = ok;
  std::string reason;  // e.g. "the stream ended before message_stop", "error event: overloaded_error"
  static Verdict accept() { return {}; }
  static Verdict retry_because(std::string why) { return {retry, std::move(why)}; }
  static Verdict fail_because(std::string why) { return {fail, std::move(why)}; }
};

// One attempt as the request log sees it.
struct AttemptOutcome {
  int attempt = 1;
  long http_status = 0;                    // 0: no response arrived
  std::optional<Millis> wait_before_next;  // none: no further attempt
  std::string outcome;                     // "ok", "HTTP 503", "no response within 30s …"
};

// The caller's view of each attempt. All members are optional.
struct Exchange {
  std::function<void(int attempt)> begin;               // an attempt starts: reset parser state
  std::function<bool(std::string_view chunk)> on_body;  // bytes of a 2xx body as they arrive; false aborts
  std::function<Verdict(const HttpResponse&)> judge;    // after a 2xx body is complete (or aborted)
  // A non-2xx body that should be retried although its status alone would not say so
  // (Anthropic's "overloaded_error" can come with any 5xx).
  std::function<bool(const HttpResponse&)> retryable_body;
  // Called before each wait so a progress display can say "retrying in 2s".
  std::function<void(int next_attempt, Millis wait, const std::string& reason)> on_retry;
  // Called once per attempt when its outcome is known: the HTTP status (0 when no
  // response arrived), the wait before the next attempt (none when this was the last),
  // and what happened ("ok", "HTTP 429", "could not connect …"; secrets redacted).
  // The request log records these.
  std::function<void(const AttemptOutcome&)> on_attempt_end;
};

struct Failure {
  enum Kind {
    connect,      // DNS, refused, TLS handshake, reset before any response
    timeout,      // connect, first byte, idle gap, or the total deadline
    http_status,  // a non-2xx status (after the retries it deserved)
    body,         // the 2xx body was rejected by the caller (invalid JSON, error event, …)
    too_large,    // the body passed Limits::max_body_bytes
    deadline,     // the server asked to wait past the deadline
    unavailable,  // libcurl could not be loaded: nothing was sent
  } kind = connect;
  std::string detail;     // human text, secrets already redacted
  HttpResponse response;  // the last response (status 0 when none arrived)
  int attempts = 0;
  bool retries_exhausted = false;  // the last failure was retryable but no attempts were left
};

using HttpResult = expected<HttpResponse, Failure>;

bool retryable_status(long status);
// The wait a response asks for: retry-after-ms, then Retry-After (seconds or HTTP date).
std::optional<Millis> server_requested_wait(const HttpResponse& response, WallTime wall_now);
// Parses an RFC 7231 HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT").
std::optional<WallTime> parse_http_date(std::string_view text);
// Replaces every secret in text with "[REDACTED]".
std::string redact(std::string text, const std::vector<std::string>& secrets);

class Client {
 public:
  explicit Client(Timing timing = Timing::real(), RetryPolicy policy = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the request, retrying as the policy allows; the result is the final 2xx
  // response, or the failure with everything a message needs.
  HttpResult send(const HttpRequest& request, const Limits& limits, const Exchange& exchange = {});

  // When set, every request and response is written here in full, secrets redacted.
  void set_debug_log(std::function<void(const std::string&)> log) { debug_log_ = std::move(log); }
  RetryPolicy& policy() { return policy_; }

 private:
  struct Attempt;
  Attempt perform(const HttpRequest& request, const Limits& limits, Millis remaining, const Exchange& exchange);

  Timing timing_;
  RetryPolicy policy_;
  std::function<void(const std::string&)> debug_log_;
  void* curl_ = nullptr;  // one easy handle for every attempt: keeps the connection alive
};

}  // namespace arborist::transport
