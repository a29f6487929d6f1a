#include "fake_provider.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>

#include "runners/claude.hpp"
#include "runners/ollama.hpp"
#include "runners/openai.hpp"
#include "support.hpp"

namespace arborist::test {

using nlohmann::json;

std::string RecordedRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

namespace {

// Splits text into small pieces without cutting a UTF-8 sequence.
std::vector<std::string> pieces_of(const std::string& text, size_t size = 16) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + size);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    out.push_back(text.substr(start, end - start));
    start = end;
  }
  if (out.empty()) out.push_back("");
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string fixture(const std::string& name) {
  return read_text(shared_dir() / "specs" / "fixtures" / name);
}

Reply json_reply(int status, const std::string& body, std::vector<std::pair<std::string, std::string>> headers) {
  Reply r;
  r.status = status;
  r.chunks = {body};
  r.headers = std::move(headers);
  return r;
}

Reply sse_reply(const std::vector<std::string>& events) {
  Reply r;
  r.content_type = "text/event-stream";
  r.chunked = true;
  for (const auto& e : events) {
    // Each event goes out in two writes split mid-line, so readers must reassemble.
    size_t half = e.size() / 2;
    r.chunks.push_back(e.substr(0, half));
    r.chunks.push_back(e.substr(half));
  }
  return r;
}

Reply ndjson_reply(const std::vector<std::string>& lines) {
  Reply r;
  r.content_type = "application/x-ndjson";
  r.chunked = true;
  for (const auto& l : lines) {
    size_t half = l.size() / 2;
    r.chunks.push_back(l.substr(0, half));
    r.chunks.push_back(l.substr(half) + "\n");
  }
  return r;
}

Reply openai_answer(const std::string& text, bool stream) {
  const json usage = {{"prompt_tokens", 9}, {"completion_tokens", 2}, {"total_tokens", 11}};
  if (!stream) {
    json j = json::parse(fixture("openai_chat_response.json"));
    j["choices"][0]["message"]["content"] = text;
    j["usage"] = usage;
    return json_reply(200, j.dump());
  }
  auto chunk = [](json choices, json usage_value) {
    json j = {{"id", "chatcmpl-1"},     {"object", "chat.completion.chunk"}, {"created", 1700000000},
              {"model", "gpt-4o-mini"}, {"system_fingerprint", "fp_1"},      {"choices", choices},
              {"usage", usage_value}};
    return "data: " + j.dump() + "\n\n";
  };
  std::vector<std::string> events;
  events.push_back(chunk(json::array({{{"index", 0},
                                       {"delta", {{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}},
                                       {"logprobs", nullptr},
                                       {"finish_reason", nullptr}}}),
                         nullptr));
  for (const auto& piece : pieces_of(text))
    events.push_back(
        chunk(json::array(
                  {{{"index", 0}, {"delta", {{"content", piece}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}}}),
              nullptr));
  events.push_back(
      chunk(json::array({{{"index", 0}, {"delta", json::object()}, {"logprobs", nullptr}, {"finish_reason", "stop"}}}),
            nullptr));
  events.push_back(chunk(json::array(), usage));
  events.push_back("data: [DONE]\n\n");
  return sse_reply(events);
}

Reply claude_answer(const std::string& text, bool stream) {
  if (!stream) {
    json j = json::parse(fixture("anthropic_message.json"));
    j["content"][0]["text"] = text;
    j["usage"] = {{"input_tokens", 25}, {"output_tokens", 15}};
    return json_reply(200, j.dump());
  }
  auto event = [](const std::string& name, const json& data) {
    return "event: " + name + "\ndata: " + data.dump() + "\n\n";
  };
  std::vector<std::string> events;
  events.push_back(event("message_start", {{"type", "message_start"},
                                           {"message",
                                            {{"id", "msg_01"},
                                             {"type", "message"},
                                             {"role", "assistant"},
                                             {"content", json::array()},
                                             {"model", "claude-3-5-sonnet-20241022"},
                                             {"stop_reason", nullptr},
                                             {"stop_sequence", nullptr},
                                             {"usage", {{"input_tokens", 25}, {"output_tokens", 1}}}}}}));
  events.push_back(
      event("content_block_start",
            {{"type", "content_block_start"}, {"index", 0}, {"content_block", {{"type", "text"}, {"text", ""}}}}));
  events.push_back(event("ping", {{"type", "ping"}}));
  for (const auto& piece : pieces_of(text))
    events.push_back(
        event("content_block_delta",
              {{"type", "content_block_delta"}, {"index", 0}, {"delta", {{"type", "text_delta"}, {"text", piece}}}}));
  events.push_back(event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}));
  events.push_back(event("message_delta", {{"type", "message_delta"},
                                           {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
                                           {"usage", {{"output_tokens", 15}}}}));
  events.push_back(event("message_stop", {{"type", "message_stop"}}));
  return sse_reply(events);
}

Reply ollama_answer(const std::string& text, bool stream) {
  json last = {{"model", "llama3.2"},
               {"created_at", "2025-07-07T20:22:19.19314Z"},
               {"message", {{"role", "assistant"}, {"content", ""}}},
               {"done", true},
               {"done_reason", "stop"},
               {"total_duration", 182242375},
               {"prompt_eval_count", 26},
               {"eval_count", 2}};
  if (!stream) {
    last["message"]["content"] = text;
    return json_reply(200, last.dump());
  }
  std::vector<std::string> lines;
  for (const auto& piece : pieces_of(text))
    lines.push_back(json{
        {"model", "llama3.2"},
        {"created_at", "2025-07-07T20:22:19.184789Z"},
        {"message", {{"role", "assistant"}, {"content", piece}}},
        {"done", false}}.dump());
  lines.push_back(last.dump());
  return ndjson_reply(lines);
}

Reply answer_for(Protocol protocol, const std::string& text, bool stream) {
  switch (protocol) {
    case Protocol::openai: return openai_answer(text, stream);
    case Protocol::claude: return claude_answer(text, stream);
    case Protocol::ollama: return ollama_answer(text, stream);
  }
  return {};
}

struct FakeProvider::Impl {
  httplib::Server server;
  mutable std::mutex mutex;
  std::deque<Reply> scripted;
  std::vector<RecordedRequest> recorded;
  std::string answer_text = "Hello!";
};

FakeProvider::FakeProvider() : impl_(std::make_unique<Impl>()) {
  Impl* impl = impl_.get();
  impl->server.Post(".*", [impl](const httplib::Request& req, httplib::Response& res) {
    RecordedRequest rec{req.method, req.path, {}, req.body};
    for (const auto& [k, v] : req.headers) rec.headers[lower(k)] = v;
    Reply reply;
    {
      std::lock_guard lock(impl->mutex);
      impl->recorded.push_back(rec);
      if (!impl->scripted.empty()) {
        reply = std::move(impl->scripted.front());
        impl->scripted.pop_front();
      } else {
        auto body = json::parse(req.body, nullptr, false);
        Protocol protocol = req.path.ends_with("/messages")   ? Protocol::claude
                            : req.path.ends_with("/api/chat") ? Protocol::ollama
                                                              : Protocol::openai;
        bool stream = !body.is_discarded() && body.is_object() &&
                      body.value("stream", protocol == Protocol::ollama);  // ollama streams unless told not to
        reply = answer_for(protocol, impl->answer_text, stream);
      }
    }
    if (reply.first_byte_delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(reply.first_byte_delay_ms));
    res.status = reply.status;
    for (const auto& [k, v] : reply.headers) res.set_header(k, v);
    if (!reply.chunked && !reply.cut) {
      std::string body;
      for (const auto& c : reply.chunks) body += c;
      res.set_content(body, reply.content_type.c_str());
      return;
    }
    auto shared = std::make_shared<Reply>(std::move(reply));
    res.set_chunked_content_provider(shared->content_type, [shared](size_t, httplib::DataSink& sink) {
      for (const auto& piece : shared->chunks) {
        if (!piece.empty() && !sink.write(piece.data(), piece.size())) return false;
        if (shared->chunk_delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(shared->chunk_delay_ms));
      }
      if (shared->cut) return false;  // httplib drops the connection: the body never ends
      sink.done();
      return true;
    });
  });
  port_ = impl->server.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([impl] { impl->server.listen_after_bind(); });
  for (int i = 0; i < 500 && !impl->server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

FakeProvider::~FakeProvider() {
  impl_->server.stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeProvider::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void FakeProvider::script(Reply reply) {
  std::lock_guard lock(impl_->mutex);
  impl_->scripted.push_back(std::move(reply));
}

void FakeProvider::set_answer_text(std::string text) {
  std::lock_guard lock(impl_->mutex);
  impl_->answer_text = std::move(text);
}

std::vector<RecordedRequest> FakeProvider::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->recorded;
}

std::map<std::string, std::string> provider_variables(const FakeProvider& server, const std::string& key) {
  return {{"OPENAI_API_KEY", key},
          {"OPENAI_BASE_URL", server.url() + "/v1"},
          {"ANTHROPIC_API_KEY", key},
          {"ANTHROPIC_BASE_URL", server.url()},
          {"OLLAMA_HOST", server.url()}};
}

std::map<std::string, std::string> env_against(const FakeProvider& server, const std::string& key) {
  auto env = env_without_machine_settings();
  for (const auto& [name, value] : provider_variables(server, key)) env[name] = value;
  return env;
}

std::unique_ptr<runners::Runner> runner_against(Protocol protocol, const FakeProvider& server, const std::string& key) {
  transport::Environment e;
  auto vars = provider_variables(server, key);
  e.env = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  };
  e.policy.max_retries = 0;
  runners::RunnerConfig config;
  Result<std::unique_ptr<runners::Runner>> made = fail(ExitCode::internal, "unknown protocol");
  switch (protocol) {
    case Protocol::openai: made = runners::make_openai_runner(config, e); break;
    case Protocol::claude: made = runners::make_claude_runner(config, e); break;
    case Protocol::ollama: made = runners::make_ollama_runner(config, e); break;
  }
  if (!made) throw std::runtime_error("runner_against: " + made.error().message);
  return std::move(*made);
}

}  // namespace arborist::test
