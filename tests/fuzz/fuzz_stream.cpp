// Fuzz target: the SSE and NDJSON readers, fed in pieces whose sizes come from the input
// (the first byte), each event parsed as JSON the way the runners do.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "transport/stream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto parse = [](std::string_view text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) (void)arborist::transport::describe_unexpected(text);
    return true;
  };
  arborist::transport::SseReader sse([&](const arborist::transport::SseEvent& e) { return parse(e.data); });
  arborist::transport::NdjsonReader ndjson([&](std::string_view line) { return parse(line); });
  for (size_t at = 0; at < body.size(); at += piece) {
    sse.feed(body.substr(at, piece));
    ndjson.feed(body.substr(at, piece));
  }
  sse.finish();
  ndjson.finish();
  return 0;
}
