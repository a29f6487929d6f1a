#include "core/resources.hpp"

namespace arborist::resources {

std::optional<std::string_view> find(std::string_view name) {
  for (const auto& r : all())
    if (r.name == name) return r.data;
  return std::nullopt;
}

}  // namespace arborist::resources
