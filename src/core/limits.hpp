#pragma once
// Input limits (issue 15): how much arborist reads before it refuses, with a message naming
// the limit and how to raise it. Process-wide: defaults here, replaced once from the
// configuration's `limits:` (and ARBORIST_LIMITS_* variables) by commands that load it, before
// they read their input. Readers take them from here so every way in is bounded alike.
#include <cstddef>
#include <cstdint>
#include <string>

namespace arborist {

struct InputLimits {
  std::uint64_t file_bytes = 256ull << 20;       // limits.file_mb: any file or stdin arborist reads
  std::size_t description_bytes = 100 * 1024;    // limits.description_kb
  std::size_t yaml_depth = 256;                  // limits.yaml_depth: nesting, aliases expanded
  std::size_t yaml_nodes = 2'000'000;            // limits.yaml_nodes: every node of one text
  std::size_t yaml_alias_nodes = 100'000;        // limits.yaml_alias_nodes: nodes repeated through aliases
  std::size_t steps = 100'000;                   // limits.steps: steps in one spec or DAG
  std::uint64_t response_bytes = 16ull << 20;    // limits.response_mb: one provider answer (max_body_mb wins)
};

// The limits in force (the defaults until set_input_limits).
const InputLimits& input_limits();
void set_input_limits(const InputLimits& limits);

// "256 MB", "100 KB", "512 bytes" (rounded down): a size for messages.
std::string megabytes(std::uint64_t bytes);

}  // namespace arborist
