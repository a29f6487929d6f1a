// The shared HTTP transport: retry policy, backoff, Retry-After, deadline, timeouts,
// the SSE and NDJSON readers, and redaction. Waits go through a fake sleeper.
#include <catch2/catch.hpp>

#include "fake_provider.hpp"
#include "transport/http.hpp"
#include "transport/provider.hpp"
#include "transport/stream.hpp"

using namespace arborist;
using namespace arborist::transport;
using test::FakeProvider;
using test::json_reply;
using namespace std::chrono_literals;

namespace {

HttpRequest post_to(const FakeProvider& server, const std::string& body = "{}") {
  HttpRequest r;
  r.url = server.url() + "/v1/chat/completions";
  r.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-live-abcdef123456"}};
  r.secrets = {"sk-live-abcdef123456"};
  r.body = body;
  return r;
}

Limits quick_limits() {
  Limits l;
  l.total = 60s;
  return l;
}

}  // namespace

TEST_CASE("the retryable statuses, and only those", "[transport]") {
  for (long s : {408, 409, 425, 429, 500, 502, 503, 504, 529}) CHECK(retryable_status(s));
  for (long s : {200, 400, 401, 403, 404, 413, 422, 501}) CHECK_FALSE(retryable_status(s));
}

TEST_CASE("retry-after-ms wins over Retry-After; seconds and HTTP dates both work", "[transport]") {
  WallTime now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  HttpResponse r;
  CHECK_FALSE(server_requested_wait(r, now));
  r.headers["retry-after"] = "3";
  CHECK(server_requested_wait(r, now) == Millis(3000));
  r.headers["retry-after-ms"] = "250.5";
  CHECK(server_requested_wait(r, now) == Millis(251));
  r.headers.erase("retry-after-ms");
  r.headers["retry-after"] = "Sun, 06 Nov 1994 08:49:47 GMT";
  CHECK(server_requested_wait(r, now) == Millis(10000));
  r.headers["retry-after"] = "Sun, 06 Nov 1994 08:49:00 GMT";  // in the past: retry now
  CHECK(server_requested_wait(r, now) == Millis(0));
  r.headers["retry-after"] = "soonish";
  CHECK_FALSE(server_requested_wait(r, now));
  CHECK_FALSE(parse_http_date("Sunday"));
}

TEST_CASE("full-jitter backoff: min(cap, base * 2^n) times the jitter", "[transport]") {
  FakeProvider server;
  for (int i = 0; i < 6; ++i) server.script(json_reply(503, R"({"error":"busy"})"));
  FakeTiming time;
  time.jitter_value = 0.5;
  RetryPolicy policy;
  policy.max_retries = 5;
  policy.base = 1000ms;
  policy.cap = 5000ms;
  Client client(time.timing(), policy);
  auto result = client.send(post_to(server), quick_limits());
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == Failure::http_status);
  CHECK(result.error().attempts == 6);
  CHECK(result.error().retries_exhausted);
  // Ceilings 1, 2, 4, 5 (cap), 5 s; half of each.
  CHECK(time.waits == std::vector<Millis>{500ms, 1000ms, 2000ms, 2500ms, 2500ms});
  CHECK(server.requests().size() == 6);
}

TEST_CASE("max retries is configurable, including none", "[transport]") {
  FakeProvider server;
  for (int i = 0; i < 3; ++i) server.script(json_reply(500, "{}"));
  FakeTiming time;
  Client client(time.timing(), RetryPolicy{0, 500ms, 8000ms});
  auto result = client.send(post_to(server), quick_limits());
  REQUIRE_FALSE(result);
  CHECK(result.error().attempts == 1);
  CHECK(time.waits.empty());
}

TEST_CASE("a retry that would pass the deadline is not attempted", "[transport]") {
  FakeProvider server;
  for (int i = 0; i < 4; ++i) server.script(json_reply(503, "{}"));
  FakeTiming time;
  Client client(time.timing(), RetryPolicy{3, 4000ms, 8000ms});
  Limits limits = quick_limits();
  limits.total = 5s;  // first wait 4 s fits, the second (8 s) does not
  auto result = client.send(post_to(server), limits);
  REQUIRE_FALSE(result);
  CHECK(time.waits == std::vector<Millis>{4000ms});
  CHECK(result.error().detail.find("no time left") != std::string::npos);
  CHECK(server.requests().size() == 2);
}

TEST_CASE("Retry-After as an HTTP date is honoured with the injected wall clock", "[transport]") {
  FakeProvider server;
  FakeTiming time;
  time.wall = std::chrono::system_clock::from_time_t(784111777);
  server.script(json_reply(429, "{}", {{"Retry-After", "Sun, 06 Nov 1994 08:49:42 GMT"}}));
  Client client(time.timing());
  auto result = client.send(post_to(server), quick_limits());
  REQUIRE(result);
  CHECK(result->status == 200);
  CHECK(time.waits == std::vector<Millis>{5000ms});
}

TEST_CASE("the same connection is reused across attempts", "[transport]") {
  FakeProvider server;
  server.script(json_reply(500, "{}"));
  FakeTiming time;
  Client client(time.timing());
  REQUIRE(client.send(post_to(server), quick_limits()));
  REQUIRE(client.send(post_to(server), quick_limits()));
  auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  // cpp-httplib answers keep-alive; libcurl would open a new connection per request
  // if the handle were not kept. The fake exposes it through REMOTE_PORT.
  CHECK(requests[0].header("remote_port") == requests[1].header("remote_port"));
  CHECK(requests[1].header("remote_port") == requests[2].header("remote_port"));
}

TEST_CASE("an idle stream gap is cut off and retried", "[transport]") {
  FakeProvider server;
  test::Reply stalled = test::sse_reply({"data: {\"a\":1}\n\n", "data: {\"b\":2}\n\n"});
  stalled.chunk_delay_ms = 1300;
  server.script(stalled);
  FakeTiming time;
  Client client(time.timing());
  Limits limits = quick_limits();
  limits.idle = 200ms;
  int attempts = 0;
  Exchange exchange;
  exchange.begin = [&](int n) { attempts = n; };
  auto result = client.send(post_to(server), limits, exchange);
  REQUIRE(result);
  CHECK(attempts == 2);
  CHECK(time.waits.size() == 1);
}

TEST_CASE("a total timeout that runs out is reported as a timeout, not retried", "[transport]") {
  FakeProvider server;
  test::Reply slow = test::openai_answer("x", false);
  slow.first_byte_delay_ms = 1500;
  server.script(slow);
  FakeTiming time;
  Client client(time.timing());
  Limits limits;
  limits.total = 300ms;
  auto result = client.send(post_to(server), limits);
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == Failure::timeout);
  CHECK(result.error().detail.find("timeout") != std::string::npos);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("debug log: the full exchange, every secret redacted, also inside bodies", "[transport]") {
  FakeProvider server;
  server.script(json_reply(401, R"({"error":{"message":"bad key sk-live-abcdef123456"}})"));
  FakeTiming time;
  Client client(time.timing());
  std::string log;
  client.set_debug_log([&](const std::string& text) { log += text; });
  auto result = client.send(post_to(server, R"({"echo":"sk-live-abcdef123456"})"), quick_limits());
  REQUIRE_FALSE(result);
  CHECK(log.find("sk-live-abcdef123456") == std::string::npos);
  CHECK(log.find("> Authorization: [REDACTED]") != std::string::npos);
  CHECK(log.find("< HTTP 401") != std::string::npos);
  CHECK(log.find("bad key [REDACTED]") != std::string::npos);
  CHECK(result.error().response.body.find("sk-live-abcdef123456") == std::string::npos);
  CHECK(redact("a sk-live-abcdef123456 b", {"sk-live-abcdef123456"}) == "a [REDACTED] b");
}

TEST_CASE("an unreachable host is a connect failure, retried", "[transport]") {
  int port;
  {
    FakeProvider gone;
    port = gone.port();
  }
  FakeTiming time;
  Client client(time.timing());
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + "/api/chat";
  auto result = client.send(r, quick_limits());
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == Failure::connect);
  CHECK(result.error().attempts == 4);
  CHECK(time.waits.size() == 3);
  HttpRequest bad;
  bad.url = "notaprotocol://x";
  auto unsupported = client.send(bad, quick_limits());
  REQUIRE_FALSE(unsupported);
  CHECK(unsupported.error().attempts == 1);  // retrying won't fix a bad URL
}

TEST_CASE("SSE reader: events split anywhere, CRLF, comments, multi-line data", "[transport]") {
  std::string stream = test::fixture("anthropic_stream.sse");
  std::vector<SseEvent> whole;
  SseReader a([&](const SseEvent& e) {
    whole.push_back(e);
    return true;
  });
  a.feed(stream);
  a.finish();
  REQUIRE(whole.size() == 12);
  CHECK(whole[0].event == "message_start");
  CHECK(whole[2].event == "ping");
  CHECK(whole.back().event == "message_stop");
  // Byte by byte gives the same events.
  std::vector<SseEvent> bytewise;
  SseReader b([&](const SseEvent& e) {
    bytewise.push_back(e);
    return true;
  });
  for (char c : stream) b.feed(std::string_view(&c, 1));
  b.finish();
  REQUIRE(bytewise.size() == whole.size());
  for (size_t i = 0; i < whole.size(); ++i) CHECK(bytewise[i].data == whole[i].data);

  std::vector<SseEvent> misc;
  SseReader c([&](const SseEvent& e) {
    misc.push_back(e);
    return true;
  });
  c.feed(": keep-alive\r\n\r\ndata: one\r\ndata: two\r");
  c.feed("\n\r\ndata:x\n\n");
  REQUIRE(misc.size() == 2);
  CHECK(misc[0].data == "one\ntwo");
  CHECK(misc[0].event == "message");
  CHECK(misc[1].data == "x");
  // A callback returning false stops the reader.
  int seen = 0;
  SseReader d([&](const SseEvent&) { return ++seen < 1; });
  CHECK_FALSE(d.feed("data: 1\n\ndata: 2\n\n"));
  CHECK(seen == 1);
}

TEST_CASE("NDJSON reader: lines split anywhere, a last line without newline", "[transport]") {
  std::string stream = test::fixture("ollama_chat_stream.ndjson");
  std::vector<std::string> lines;
  NdjsonReader r([&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  });
  for (size_t i = 0; i < stream.size(); i += 7) r.feed(std::string_view(stream).substr(i, 7));
  r.finish();
  REQUIRE(lines.size() == 3);
  CHECK(lines[2].find("\"done\":true") != std::string::npos);
  lines.clear();
  NdjsonReader s([&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  });
  s.feed("{\"a\":1}\r\n\n{\"b\"");
  s.feed(":2}");
  CHECK(lines.size() == 1);
  s.finish();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "{\"a\":1}");
  CHECK(lines[1] == "{\"b\":2}");
}

TEST_CASE("provider error bodies of every shape are read", "[transport]") {
  auto openai = parse_provider_error(test::fixture("openai_error.json"));
  CHECK(openai.type == "requests");
  CHECK(openai.message == "Rate limit reached for gpt-4o-mini");
  auto anthropic = parse_provider_error(test::fixture("anthropic_error_529.json"));
  CHECK(anthropic.type == "overloaded_error");
  CHECK(anthropic.message == "Overloaded");
  auto ollama = parse_provider_error(R"({"error":"model 'x' not found"})");
  CHECK(ollama.message == "model 'x' not found");
  auto html = parse_provider_error("<html>502 Bad Gateway</html>\n");
  CHECK(html.message == "<html>502 Bad Gateway</html>");
}

TEST_CASE("limits: a non-streamed call and ollama get the whole deadline for the first byte", "[transport]") {
  runners::Request request;
  request.timeout_seconds = 300;
  runners::RunnerConfig config;
  auto streamed = limits_for(request, config);
  REQUIRE(streamed);
  CHECK(streamed->first_byte == 60s);
  CHECK(streamed->total == 300s);
  CHECK(limits_for(request, config, /*slow_start=*/true)->first_byte == 300s);
  request.stream = false;
  CHECK(limits_for(request, config)->first_byte == 300s);
  config.options["first_byte_timeout"] = "2.5";
  CHECK(limits_for(request, config)->first_byte == 2500ms);
  config.options["idle_timeout"] = "-1";
  auto bad = limits_for(request, config);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ExitCode::config);
}
