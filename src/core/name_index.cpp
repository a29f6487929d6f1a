#include "core/name_index.hpp"

#include <cstring>

namespace arborist {

namespace {
// An empty key has no characters to point at; any non-null address marks its slot as used.
constexpr char kEmptyKey[] = "";

bool same_characters(const char* stored, std::string_view key) {
  return key.empty() || std::memcmp(stored, key.data(), key.size()) == 0;
}
}  // namespace

std::uint64_t NameIndex::hash_of(std::string_view key) {
  // FNV-1a, then Fibonacci-mixed: step names share long prefixes ("s1", "s2", "build_1"...).
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : key) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return hash * 0x9E3779B97F4A7C15ull;
}

void NameIndex::reserve(size_t expected) {
  size_t wanted = 16;
  while (wanted * 3 < expected * 4) wanted *= 2;  // load factor at most 3/4
  if (wanted <= slots_.size()) return;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(wanted, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (!slot.data) continue;
    size_t i = (slot.hash >> 20) & mask;
    while (slots_[i].data) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

void NameIndex::grow() {
  reserve(slots_.empty() ? 12 : slots_.size() * 3 / 4 * 2);
}

std::uint32_t NameIndex::insert(std::string_view key, std::uint32_t index) {
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();
  const std::uint64_t hash = hash_of(key);
  const size_t mask = slots_.size() - 1;
  for (size_t i = (hash >> 20) & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (!slot.data) {
      slot = Slot{key.empty() ? kEmptyKey : key.data(), static_cast<std::uint32_t>(key.size()), index, hash};
      ++size_;
      return npos;
    }
    if (slot.hash == hash && slot.size == key.size() && same_characters(slot.data, key)) return slot.index;
  }
}

std::uint32_t NameIndex::find(std::string_view key) const {
  if (slots_.empty()) return npos;
  const std::uint64_t hash = hash_of(key);
  const size_t mask = slots_.size() - 1;
  for (size_t i = (hash >> 20) & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (!slot.data) return npos;
    if (slot.hash == hash && slot.size == key.size() && same_characters(slot.data, key)) return slot.index;
  }
}

}  // namespace arborist
