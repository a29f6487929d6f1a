#pragma once
// A loopback fake AI provider for tests (cpp-httplib). It speaks OpenAI chat
// completions, Anthropic messages and Ollama /api/chat, streaming included (shapes
// from ../shared/specs/fixtures/), records every request, and plays scripted replies
// in order before falling back to a well-formed answer in the request's protocol.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace arborist::runners {
class Runner;
}

namespace arborist::test {

struct RecordedRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string header(const std::string& lower_name) const;
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> chunks;  // the body, in pieces
  bool chunked = false;             // send with chunked encoding, flushing each piece
  int first_byte_delay_ms = 0;      // before the status line
  int chunk_delay_ms = 0;           // between pieces
  bool cut = false;                 // drop the connection after the pieces, body unfinished
};

enum class Protocol { openai, claude, ollama };

// Well-formed answers carrying `text`, in each protocol's shape.
Reply openai_answer(const std::string& text, bool stream);
Reply claude_answer(const std::string& text, bool stream);
Reply ollama_answer(const std::string& text, bool stream);
Reply answer_for(Protocol protocol, const std::string& text, bool stream);
// A plain JSON reply with a status (errors).
Reply json_reply(int status, const std::string& body, std::vector<std::pair<std::string, std::string>> headers = {});
// An SSE / NDJSON body from whole events, streamed.
Reply sse_reply(const std::vector<std::string>& events);
Reply ndjson_reply(const std::vector<std::string>& lines);

std::string fixture(const std::string& name);  // ../shared/specs/fixtures/<name>

class FakeProvider {
 public:
  FakeProvider();  // listens on 127.0.0.1, a free port
  ~FakeProvider();
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  std::string url() const;  // http://127.0.0.1:PORT
  int port() const { return port_; }

  // Replies played in order, one per request; afterwards every request gets a good answer.
  void script(Reply reply);
  // The text good answers carry (default "Hello!").
  void set_answer_text(std::string text);
  std::vector<RecordedRequest> requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::thread thread_;
};

// The variables that point every built-in runner at `server` with API key `key`.
std::map<std::string, std::string> provider_variables(const FakeProvider& server, const std::string& key);
// For the binary: env_without_machine_settings() plus provider_variables().
std::map<std::string, std::string> env_against(const FakeProvider& server, const std::string& key);

// A built-in runner of `protocol` pointed at `server` with API key `key`, without
// retries (the transport tests cover those), for tests that drive the planner.
std::unique_ptr<runners::Runner> runner_against(Protocol protocol, const FakeProvider& server, const std::string& key);

}  // namespace arborist::test
