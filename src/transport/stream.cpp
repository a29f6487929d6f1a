#include "transport/stream.hpp"

namespace arborist::transport {

bool SseReader::feed(std::string_view bytes) {
  if (stopped_) return false;
  buffer_.append(bytes);
  size_t start = 0;
  for (;;) {
    size_t end = buffer_.find_first_of("\r\n", start);
    if (end == std::string::npos) break;
    // A lone '\r' at the very end may be the first half of "\r\n": wait for more bytes.
    if (buffer_[end] == '\r' && end + 1 == buffer_.size()) break;
    std::string_view one(buffer_.data() + start, end - start);
    size_t next = end + 1;
    if (buffer_[end] == '\r' && buffer_[end + 1] == '\n') ++next;
    if (!line(one)) {
      stopped_ = true;
      buffer_.clear();
      return false;
    }
    start = next;
  }
  buffer_.erase(0, start);
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
    if (!line(rest)) return false;
  }
  return dispatch();
}

void SseReader::reset() {
  buffer_.clear();
  current_ = {};
  has_data_ = false;
  stopped_ = false;
}

bool NdjsonReader::feed(std::string_view bytes) {
  if (stopped_) return false;
  buffer_.append(bytes);
  size_t start = 0;
  for (size_t end; (end = buffer_.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string_view one(buffer_.data() + start, end - start);
    if (!one.empty() && one.back() == '\r') one.remove_suffix(1);
    if (one.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (!on_line_(one)) {
      stopped_ = true;
      buffer_.clear();
      return false;
    }
  }
  buffer_.erase(0, start);
  return true;
}

bool NdjsonReader::finish() {
  if (stopped_) return false;
  std::string rest = std::move(buffer_);
  buffer_.clear();
  if (rest.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  return on_line_(rest);
}

void NdjsonReader::reset() {
  buffer_.clear();
  stopped_ = false;
}

}  // namespace arborist::transport
