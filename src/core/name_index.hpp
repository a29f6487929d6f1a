#pragma once
// Name -> index in one flat open-addressed array, for the per-step lookups of big specs
// (duplicate names, depends_on, cycle search, Dagu ids). std::unordered_map and std::map put
// every entry in its own allocation: at 100,000 steps their inserts and lookups were cache
// misses, and the checks and the DAG writer grew ~18x for 10x the steps (docs/performance.md).
#include <cstdint>
#include <string_view>
#include <vector>

namespace arborist {

class NameIndex {
 public:
  static constexpr std::uint32_t npos = UINT32_MAX;

  NameIndex() = default;
  explicit NameIndex(size_t expected) { reserve(expected); }
  void reserve(size_t expected);

  // The key is viewed, not copied: its characters must outlive the index.
  // Returns the index already stored under `key` (and keeps it), or stores `index` and returns npos.
  std::uint32_t insert(std::string_view key, std::uint32_t index);
  std::uint32_t find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != npos; }
  size_t size() const { return size_; }

 private:
  struct Slot {
    const char* data = nullptr;  // nullptr marks an empty slot
    std::uint32_t size = 0;
    std::uint32_t index = 0;
    std::uint64_t hash = 0;
  };
  static std::uint64_t hash_of(std::string_view key);
  void grow();
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace arborist
