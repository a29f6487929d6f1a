#pragma once
// Incremental readers for streamed bodies: Server-Sent Events (OpenAI, Anthropic)
// and newline-delimited JSON (Ollama). Bytes arrive in arbitrary pieces; the
// readers hand out whole events/lines as soon as they are complete.
#include <functional>
#include <string>
#include <string_view>

namespace arborist::transport {

struct SseEvent {
  std::string event;  // "message" when the stream gives no "event:" field
  std::string data;   // the data lines joined by '\n'
};

class SseReader {
 public:
  // The callback returns false to stop reading (the rest is ignored).
  explicit SseReader(std::function<bool(const SseEvent&)> on_event) : on_event_(std::move(on_event)) {}
  // Feeds bytes; false when the callback asked to stop.
  bool feed(std::string_view bytes);
  // Delivers an event left without its closing blank line (a stream cut short keeps it pending).
  bool finish();
  void reset();

 private:
  bool line(std::string_view line);
  bool dispatch();
  std::function<bool(const SseEvent&)> on_event_;
  std::string buffer_;
  size_t scanned_ = 0;  // buffer_[0, scanned_) holds no line end: resume there (no rescans)
  SseEvent current_;
  bool has_data_ = false;
  bool stopped_ = false;
};

// How to quote a body, event or line that is not the JSON expected: "'its first bytes…'" cut
// on a character boundary, or "not valid UTF-8 (byte N)" — never the raw bytes, which would
// reach a terminal, the request log and --json output.
std::string describe_unexpected(std::string_view data, size_t max_bytes = 80);

class NdjsonReader {
 public:
  explicit NdjsonReader(std::function<bool(std::string_view line)> on_line) : on_line_(std::move(on_line)) {}
  bool feed(std::string_view bytes);
  bool finish();  // a last line without '\n'
  void reset();

 private:
  std::function<bool(std::string_view)> on_line_;
  std::string buffer_;
  size_t scanned_ = 0;
  bool stopped_ = false;
};

}  // namespace arborist::transport
