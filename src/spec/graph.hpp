#pragma once
// The step graph of a spec: cycles, order, roots and leaves.
#include <optional>
#include <string>
#include <vector>

#include "spec/model.hpp"

namespace arborist::spec {

// A cycle as step names with the first repeated at the end ("a","b","c","a"),
// or nullopt. Unknown depends_on targets are ignored here (check_spec reports them).
std::optional<std::vector<std::string>> find_cycle(const Spec& spec);
// "a -> b -> c -> a"
std::string format_cycle(const std::vector<std::string>& cycle);
// Steps in an order that respects depends_on; ties keep the spec's order. Requires no cycle.
std::vector<std::string> topological_order(const Spec& spec);

}  // namespace arborist::spec
