#pragma once
// YAML at the edge: parse text into JSON values with YAML 1.2 core-schema typing
// (only true/false are booleans; quoted scalars stay strings) and remember where
// each value came from, so checks can report file:line:col.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "core/limits.hpp"

namespace arborist::yaml {

struct Position {
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

// Pointer hash -> position in one flat open-addressed array (linear probing). A node-based
// std::unordered_map put each of a 100,000-step file's ~700,000 entries in its own allocation:
// the inserts were cache misses and the table alone grew the run's time faster than its size.
class PositionTable {
 public:
  // Keeps the first position of a key, like std::unordered_map::emplace.
  void emplace(std::uint64_t key, Position position);
  const Position* find(std::uint64_t key) const;
  size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t key = 0;  // 0 marks an empty slot; a real key of 0 is stored as 1
    Position position;
  };
  static std::uint64_t stored(std::uint64_t key) { return key ? key : 1; }
  // Fibonacci hashing spreads FNV's low bits, which sibling pointers ("/steps/1", "/steps/2") share.
  static size_t start(std::uint64_t key, size_t mask) { return ((key * 0x9E3779B97F4A7C15ull) >> 24) & mask; }
  void grow();
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

struct Document {
  nlohmann::ordered_json value;
  // JSON pointer ("" for the root, "/steps/0/name") -> position, keyed by the pointer's
  // 64-bit FNV-1a hash (pointer_hash): a string per node cost more memory than the node at
  // 100,000 steps. For a mapping entry this is the position of its key; for a sequence item,
  // of the item. (A hash collision could only misplace a message's line, never a verdict.)
  PositionTable positions;
  Position start;  // where the document begins

  // The position of the pointer, or of its nearest ancestor that has one.
  Position position_of(std::string_view pointer) const;
  Location location_of(const std::string& file, std::string_view pointer) const;
};

// Defaults: the limits in force (core/limits.hpp, `limits:` in the configuration).
struct ParseLimits {
  size_t max_nodes = input_limits().yaml_nodes;              // every node of every document, aliases expanded
  size_t max_alias_nodes = input_limits().yaml_alias_nodes;  // nodes converted again through aliases
  size_t max_depth = input_limits().yaml_depth;              // nesting, aliases expanded (the conversion recurses)
};

// Parses every document in the text. Fails (ExitCode::invalid_input) with a
// positioned message on malformed YAML, duplicate keys, non-UTF-8 bytes, or a
// document that expands past the node limit. `file` is used in messages only.
Result<std::vector<Document>> parse(std::string_view text, const std::string& file, ParseLimits limits = {});

// FNV-1a over a JSON pointer's text; `extend` continues one (hashing "a" then "/b" equals
// hashing "a/b"), so a child's key is hashed without building its pointer.
inline constexpr std::uint64_t kPointerHashBasis = 14695981039346656037ull;
constexpr std::uint64_t pointer_hash_extend(std::uint64_t hash, std::string_view text) {
  for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return hash;
}
constexpr std::uint64_t pointer_hash(std::string_view pointer) {
  return pointer_hash_extend(kPointerHashBasis, pointer);
}

// Escapes a key for use in a JSON pointer (~ -> ~0, / -> ~1).
std::string pointer_escape(std::string_view key);
// Splits a JSON pointer into its unescaped parts ("/a~1b/0" -> {"a/b", "0"}).
std::vector<std::string> pointer_split(const std::string& pointer);

}  // namespace arborist::yaml
