#include "transport/http.hpp"

#include "transport/curl_library.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

namespace arborist::transport {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string seconds_text(Millis ms) {
  char buf[32];
  if (ms.count() % 1000 == 0)
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(ms.count() / 1000));
  else
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

bool sensitive_header(const std::string& lower_name) {
  return lower_name == "authorization" || lower_name == "x-api-key" || lower_name == "api-key" ||
         lower_name == "cookie" || lower_name == "set-cookie" || lower_name == "proxy-authorization";
}

}  // namespace

// ---- timing ----

Timing Timing::real() {
  Timing t;
  t.now = [] { return std::chrono::steady_clock::now(); };
  t.wall_now = [] { return std::chrono::system_clock::now(); };
  t.sleep = [](Millis ms) { std::this_thread::sleep_for(ms); };
  t.jitter = [] {
    static thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
  };
  return t;
}

Timing FakeTiming::timing() {
  Timing t;
  t.now = [this] { return steady; };
  t.wall_now = [this] { return wall; };
  t.sleep = [this](Millis ms) {
    waits.push_back(ms);
    steady += ms;
    wall += ms;
  };
  t.jitter = [this] { return jitter_value; };
  return t;
}

// ---- helpers ----

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

bool retryable_status(long status) {
  switch (status) {
    case 408:
    case 409:
    case 425:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
    case 529: return true;
    default: return false;
  }
}

std::optional<WallTime> parse_http_date(std::string_view text) {
  std::string s(trim(text));
  std::tm tm{};
  const char* end = ::strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (!end) return std::nullopt;
  std::string_view rest = trim(end);
  if (!rest.empty() && rest != "GMT" && rest != "UTC") return std::nullopt;
  time_t t = ::timegm(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
}

std::optional<Millis> server_requested_wait(const HttpResponse& response, WallTime wall_now) {
  if (auto ms_text = response.header("retry-after-ms"); !ms_text.empty()) {
    try {
      size_t used = 0;
      double ms = std::stod(ms_text, &used);
      if (used == ms_text.size() && ms >= 0 && std::isfinite(ms)) return Millis(static_cast<long long>(std::ceil(ms)));
    } catch (...) {
    }
  }
  std::string text(trim(response.header("retry-after")));
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
    try {
      double seconds = std::stod(text);
      return Millis(static_cast<long long>(std::ceil(seconds * 1000.0)));
    } catch (...) {
      return std::nullopt;
    }
  }
  if (auto when = parse_http_date(text)) {
    auto diff = std::chrono::duration_cast<Millis>(*when - wall_now);
    return diff.count() > 0 ? diff : Millis(0);
  }
  return std::nullopt;
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.size() < 4) continue;  // a tiny "secret" would shred ordinary text
    for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos))
      text.replace(pos, secret.size(), "[REDACTED]");
  }
  return text;
}

// ---- one attempt ----

struct Client::Attempt {
  CURLcode code = CURLE_OK;
  std::string curl_error;
  HttpResponse response;
  bool caller_aborted = false;
  bool too_large = false;
  enum { none, first_byte, idle } stalled = none;
  bool got_bytes = false;
};

namespace {

struct TransferState {
  Client* client = nullptr;
  CURL* curl = nullptr;
  const Exchange* exchange = nullptr;
  const Limits* limits = nullptr;
  HttpResponse* response = nullptr;
  bool* caller_aborted = nullptr;
  bool* too_large = nullptr;
  bool* got_bytes = nullptr;
  int* stalled = nullptr;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point last_byte;
  bool status_known = false;
  bool success = false;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* st = static_cast<TransferState*>(user);
  std::string_view line(data, size * count);
  *st->got_bytes = true;
  st->last_byte = std::chrono::steady_clock::now();
  if (line.starts_with("HTTP/")) {
    st->response->headers.clear();  // a new response (after 100 Continue, say)
    return size * count;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos)
    st->response->headers[lower(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
  return size * count;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* st = static_cast<TransferState*>(user);
  size_t n = size * count;
  *st->got_bytes = true;
  st->last_byte = std::chrono::steady_clock::now();
  if (!st->status_known) {
    long status = 0;
    curl_library().easy_getinfo(st->curl, CURLINFO_RESPONSE_CODE, &status);
    st->response->status = status;
    st->status_known = true;
    st->success = status >= 200 && status < 300;
  }
  if (st->response->body.size() + n > st->limits->max_body_bytes) {
    *st->too_large = true;
    return 0;
  }
  st->response->body.append(data, n);
  if (st->success && st->exchange->on_body && !st->exchange->on_body(std::string_view(data, n))) {
    *st->caller_aborted = true;
    return 0;
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* st = static_cast<TransferState*>(user);
  auto now = std::chrono::steady_clock::now();
  if (!*st->got_bytes) {
    // Counted from the moment the request goes out: connecting has its own limit.
    curl_off_t pretransfer_us = 0;
    curl_library().easy_getinfo(st->curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
    if (pretransfer_us > 0 &&
        now - (st->started + std::chrono::microseconds(pretransfer_us)) > st->limits->first_byte) {
      *st->stalled = 1;
      return 1;
    }
  } else if (now - st->last_byte > st->limits->idle) {
    *st->stalled = 2;
    return 1;
  }
  return 0;
}

}  // namespace

Client::Client(Timing timing, RetryPolicy policy) : timing_(std::move(timing)), policy_(policy) {}

Client::~Client() {
  if (curl_) curl_library().easy_cleanup(static_cast<CURL*>(curl_));
}

Client::Attempt Client::perform(const HttpRequest& request, const Limits& limits, Millis remaining,
                                const Exchange& exchange) {
  Attempt a;
  const CurlLibrary& lib = curl_library();
  if (!lib.loaded()) {
    a.code = CURLE_FAILED_INIT;
    a.curl_error = lib.load_error;
    return a;
  }
  // Created on the first attempt, not in the constructor: building a runner costs nothing.
  if (!curl_) curl_ = lib.easy_init();
  CURL* curl = static_cast<CURL*>(curl_);
  if (!curl) {
    a.code = CURLE_FAILED_INIT;
    a.curl_error = "libcurl could not be initialised";
    return a;
  }
  // reset() keeps the connection cache, so a retry reuses the open connection.
  lib.easy_reset(curl);
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) headers = lib.slist_append(headers, (name + ": " + value).c_str());
  headers = lib.slist_append(headers, "Expect:");  // no 1 s wait for "100 Continue" on large prompts

  int stalled = 0;
  TransferState st;
  st.client = this;
  st.curl = curl;
  st.exchange = &exchange;
  st.limits = &limits;
  st.response = &a.response;
  st.caller_aborted = &a.caller_aborted;
  st.too_large = &a.too_large;
  st.got_bytes = &a.got_bytes;
  st.stalled = &stalled;
  st.started = st.last_byte = std::chrono::steady_clock::now();

  lib.easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  lib.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "POST" || !request.body.empty()) {
    lib.easy_setopt(curl, CURLOPT_POST, 1L);
    lib.easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    lib.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  lib.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  lib.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM: the SIGINT handler stays in charge
  lib.easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  lib.easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  lib.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(limits.connect, remaining).count()));
  lib.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(remaining.count(), 1)));
  lib.easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  lib.easy_setopt(curl, CURLOPT_HEADERDATA, &st);
  lib.easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  lib.easy_setopt(curl, CURLOPT_WRITEDATA, &st);
  lib.easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  lib.easy_setopt(curl, CURLOPT_XFERINFODATA, &st);
  lib.easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  lib.easy_setopt(curl, CURLOPT_USERAGENT, "arborist/" ARBORIST_VERSION);
  // Proxies: libcurl reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY itself when we set none.

  a.code = lib.easy_perform(curl);
  long status = 0;
  lib.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  a.response.status = status;
  a.curl_error = error_buffer[0] ? error_buffer : lib.easy_strerror(a.code);
  a.stalled = stalled == 1 ? Attempt::first_byte : stalled == 2 ? Attempt::idle : Attempt::none;
  lib.slist_free_all(headers);
  return a;
}

HttpResult Client::send(const HttpRequest& request, const Limits& limits, const Exchange& exchange) {
  const auto& secrets = request.secrets;
  auto log = [&](const std::string& text) {
    if (debug_log_) debug_log_(redact(text, secrets));
  };
  auto report = [&](AttemptOutcome outcome) {
    if (exchange.on_attempt_end) exchange.on_attempt_end(outcome);
  };
  const SteadyTime deadline = timing_.now() + limits.total;
  const std::string total_text = seconds_text(limits.total);

  if (const CurlLibrary& lib = curl_library(); !lib.loaded()) {
    Failure f;
    f.kind = Failure::unavailable;
    f.detail = lib.load_error;
    return unexpected<Failure>(std::move(f));
  }
  for (int attempt = 1;; ++attempt) {
    Millis remaining = std::chrono::duration_cast<Millis>(deadline - timing_.now());
    if (remaining.count() <= 0) {
      Failure f;
      f.kind = Failure::timeout;
      f.detail = "no answer within the " + total_text + " timeout";
      f.attempts = attempt - 1;
      return unexpected<Failure>(std::move(f));
    }
    if (exchange.begin) exchange.begin(attempt);
    if (debug_log_) {
      std::string text = "> " + request.method + " " + request.url + " (attempt " + std::to_string(attempt) + ")\n";
      for (const auto& [name, value] : request.headers)
        text += "> " + name + ": " + (sensitive_header(lower(name)) ? "[REDACTED]" : value) + "\n";
      text += ">\n" + request.body + "\n";
      log(text);
    }
    Attempt a = perform(request, limits, remaining, exchange);
    if (debug_log_) {
      std::string text;
      if (a.response.status) {
        text += "< HTTP " + std::to_string(a.response.status) + "\n";
        for (const auto& [name, value] : a.response.headers)
          text += "< " + name + ": " + (sensitive_header(name) ? "[REDACTED]" : value) + "\n";
        text += "<\n" + a.response.body + "\n";
      }
      if (a.code != CURLE_OK && !a.caller_aborted) text += "< transfer failed: " + a.curl_error + "\n";
      log(text);
    }

    Failure f;
    f.attempts = attempt;
    f.response = a.response;
    bool retryable = false;
    const bool success_status = a.response.status >= 200 && a.response.status < 300;

    if (a.too_large) {
      f.kind = Failure::too_large;
      f.detail = "the response is larger than " + std::to_string(limits.max_body_bytes / (1024 * 1024)) + " MB";
    } else if (a.code != CURLE_OK && !a.caller_aborted) {
      f.kind = a.code == CURLE_OPERATION_TIMEDOUT || a.stalled != Attempt::none ? Failure::timeout : Failure::connect;
      if (a.stalled == Attempt::first_byte) {
        f.detail = "no response within " + seconds_text(limits.first_byte) + " of sending the request";
        retryable = true;
      } else if (a.stalled == Attempt::idle) {
        f.detail = "the response stalled: nothing arrived for " + seconds_text(limits.idle);
        retryable = true;
      } else if (a.code == CURLE_OPERATION_TIMEDOUT && !a.got_bytes &&
                 a.curl_error.find("onnect") != std::string::npos) {
        f.detail = "could not connect within " + seconds_text(limits.connect) + " (" + a.curl_error + ")";
        retryable = true;
      } else if (a.code == CURLE_OPERATION_TIMEDOUT) {
        f.detail = "no complete answer within the " + total_text + " timeout";
      } else {
        f.detail = a.curl_error;
        switch (a.code) {
          case CURLE_COULDNT_RESOLVE_HOST:
          case CURLE_COULDNT_RESOLVE_PROXY:
          case CURLE_COULDNT_CONNECT:
          case CURLE_SSL_CONNECT_ERROR:
          case CURLE_SEND_ERROR:
          case CURLE_RECV_ERROR:
          case CURLE_GOT_NOTHING:
          case CURLE_PARTIAL_FILE:
          case CURLE_HTTP2:
          case CURLE_HTTP2_STREAM: retryable = true; break;
          default: break;  // bad URL, unsupported protocol, certificate rejected: retrying won't help
        }
        if (success_status && a.got_bytes && retryable)
          f.detail = "the connection broke mid-answer (" + a.curl_error + ")";
      }
    } else if (success_status) {
      Verdict v = exchange.judge ? exchange.judge(a.response) : Verdict::accept();
      if (v.kind == Verdict::ok) {
        report({attempt, a.response.status, std::nullopt, "ok"});
        return a.response;
      }
      f.kind = Failure::body;
      f.detail = v.reason;
      retryable = v.kind == Verdict::retry;
    } else {
      f.kind = Failure::http_status;
      f.detail = "HTTP " + std::to_string(a.response.status);
      retryable = retryable_status(a.response.status) ||
                  (exchange.retryable_body && a.response.status >= 500 && exchange.retryable_body(a.response));
    }

    // Providers sometimes echo the key back; nothing the caller sees may carry it.
    f.detail = redact(f.detail, secrets);
    f.response.body = redact(f.response.body, secrets);
    for (auto& [name, value] : f.response.headers) value = redact(value, secrets);
    if (!retryable || attempt > policy_.max_retries) {
      f.retries_exhausted = retryable;
      report({attempt, a.response.status, std::nullopt, f.detail});
      return unexpected<Failure>(std::move(f));
    }

    auto requested = server_requested_wait(a.response, timing_.wall_now());
    Millis wait;
    if (requested) {
      wait = *requested;
    } else {
      long long ceiling = policy_.base.count();
      for (int i = 1; i < attempt && ceiling < policy_.cap.count(); ++i) ceiling *= 2;
      ceiling = std::min(ceiling, static_cast<long long>(policy_.cap.count()));
      wait = Millis(static_cast<long long>(std::floor(timing_.jitter() * static_cast<double>(ceiling))));
    }
    Millis left = std::chrono::duration_cast<Millis>(deadline - timing_.now());
    if (wait >= left) {
      f.retries_exhausted = true;
      if (requested) {
        f.kind = Failure::deadline;
        f.detail += "; the server asked to wait " + seconds_text(wait) + " before retrying, past the " + total_text +
                    " timeout (" + seconds_text(std::max(left, Millis(0))) + " left)";
      } else {
        f.detail += "; no time left for another attempt within the " + total_text + " timeout";
      }
      report({attempt, a.response.status, std::nullopt, f.detail});
      return unexpected<Failure>(std::move(f));
    }
    report({attempt, a.response.status, wait, f.detail});
    if (exchange.on_retry) exchange.on_retry(attempt + 1, wait, f.detail);
    log("* retrying in " + seconds_text(wait) + " after: " + f.detail + "\n");
    timing_.sleep(wait);
  }
}

}  // namespace arborist::transport
