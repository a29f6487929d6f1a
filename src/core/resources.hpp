#pragma once
// Files embedded at build time (src/cmake/Embed.cmake): schemas and prompt templates.
#include <optional>
#include <span>
#include <string_view>

namespace arborist::resources {

struct Resource {
  std::string_view name;  // path relative to the source root, e.g. "config/spec.schema.json"
  std::string_view data;
};

std::span<const Resource> all();
// The embedded file with this relative name; nullopt if none.
std::optional<std::string_view> find(std::string_view name);

}  // namespace arborist::resources
