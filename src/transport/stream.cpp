#include "transport/stream.hpp"

#include <algorithm>
#include <cstring>

#include "core/text.hpp"

namespace arborist::transport {

namespace {

// The first '\r' or '\n' at or after `from`, or npos (memchr for each; no per-character set test).
size_t line_end(const std::string& s, size_t from) {
  if (from >= s.size()) return std::string::npos;
  const char* base = s.data();
  const void* n = std::memchr(base + from, '\n', s.size() - from);
  size_t limit = n ? static_cast<size_t>(static_cast<const char*>(n) - base) : s.size();
  const void* r = std::memchr(base + from, '\r', limit - from);
  if (r) return static_cast<size_t>(static_cast<const char*>(r) - base);
  return n ? limit : std::string::npos;
}

}  // namespace

std::string describe_unexpected(std::string_view data, size_t max_bytes) {
  if (auto bad = text::invalid_utf8_offset(data)) return "not valid UTF-8 (byte " + std::to_string(*bad) + ")";
  std::string shown = text::shorten(data, max_bytes);
  for (auto& c : shown)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';  // no control characters on a terminal
  return "'" + shown + "'";
}

bool SseReader::feed(std::string_view bytes) {
  if (stopped_) return false;
  buffer_.append(bytes);
  size_t start = 0;
  // A line arriving in small pieces is scanned once: the search resumes where it stopped.
  for (size_t from = scanned_;;) {
    size_t end = line_end(buffer_, from);
    if (end == std::string::npos) break;
    // A lone '\r' at the very end may be the first half of "\r\n": wait for more bytes.
    if (buffer_[end] == '\r' && end + 1 == buffer_.size()) break;
    std::string_view one(buffer_.data() + start, end - start);
    size_t next = end + 1;
    if (buffer_[end] == '\r' && buffer_[end + 1] == '\n') ++next;
    if (!line(one)) {
      stopped_ = true;
      buffer_.clear();
      scanned_ = 0;
      return false;
    }
    start = from = next;
  }
  buffer_.erase(0, start);
  scanned_ = buffer_.size() - (!buffer_.empty() && buffer_.back() == '\r' ? 1 : 0);
  return true;
}

bool SseReader::line(std::string_view line) {
  if (line.empty()) return dispatch();
  if (line.front() == ':') return true;  // a comment / keep-alive
  auto colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "event") {
    current_.event = std::string(value);
  } else if (field == "data") {
    if (has_data_) current_.data += '\n';
    current_.data += value;
    has_data_ = true;
  }
  return true;  // id:, retry: and unknown fields don't matter here
}

bool SseReader::dispatch() {
  bool keep_going = true;
  if (has_data_) {
    if (current_.event.empty()) current_.event = "message";
    keep_going = on_event_(current_);
  }
  current_ = {};
  has_data_ = false;
  return keep_going;
}

bool SseReader::finish() {
  if (stopped_) return false;
  if (!buffer_.empty()) {
    std::string rest = std::move(buffer_);
    buffer_.clear();
    scanned_ = 0;
    if (!line(rest)) return false;
  }
  return dispatch();
}

void SseReader::reset() {
  buffer_.clear();
  scanned_ = 0;
  current_ = {};
  has_data_ = false;
  stopped_ = false;
}

bool NdjsonReader::feed(std::string_view bytes) {
  if (stopped_) return false;
  buffer_.append(bytes);
  size_t start = 0;
  for (size_t end; (end = buffer_.find('\n', std::max(start, scanned_))) != std::string::npos; start = end + 1) {
    std::string_view one(buffer_.data() + start, end - start);
    if (!one.empty() && one.back() == '\r') one.remove_suffix(1);
    if (one.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (!on_line_(one)) {
      stopped_ = true;
      buffer_.clear();
      scanned_ = 0;
      return false;
    }
  }
  buffer_.erase(0, start);
  scanned_ = buffer_.size();
  return true;
}

bool NdjsonReader::finish() {
  if (stopped_) return false;
  std::string rest = std::move(buffer_);
  buffer_.clear();
  scanned_ = 0;
  if (rest.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  return on_line_(rest);
}

void NdjsonReader::reset() {
  buffer_.clear();
  scanned_ = 0;
  stopped_ = false;
}

}  // namespace arborist::transport
