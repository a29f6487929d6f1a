#include "spec/graph.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>

#include "core/name_index.hpp"

namespace arborist::spec {

std::optional<std::vector<std::string>> find_cycle(const Spec& spec) {
  // Steps by index, names hashed once into a flat table: ordered maps keyed by name cost a string
  // comparison per level on every lookup, node-based hash maps a cache miss per entry.
  NameIndex index(spec.steps.size());
  for (size_t i = 0; i < spec.steps.size(); ++i) index.insert(spec.steps[i].name, static_cast<std::uint32_t>(i));
  enum Color : unsigned char { white, grey, black };
  std::vector<Color> color(spec.steps.size(), white);
  std::vector<size_t> stack;

  // Iterative DFS (no recursion: a 100k-step chain must not overflow the stack).
  // Each frame is a step and the index of the next dependency to visit.
  for (size_t start = 0; start < spec.steps.size(); ++start) {
    if (color[start] != white) continue;
    std::vector<std::pair<size_t, size_t>> frames{{start, 0}};
    color[start] = grey;
    stack.push_back(start);
    while (!frames.empty()) {
      auto& [step, next] = frames.back();
      const auto& deps = spec.steps[step].depends_on;
      if (next < deps.size()) {
        const std::uint32_t found = index.find(deps[next++]);
        if (found == NameIndex::npos) continue;
        const size_t dep = found;
        if (color[dep] == grey) {
          // The cycle is the stack from dep to here, then dep again. Report it in
          // the direction work flows: dependency -> dependent.
          std::vector<std::string> cycle;
          for (auto pos = std::find(stack.begin(), stack.end(), dep); pos != stack.end(); ++pos)
            cycle.push_back(spec.steps[*pos].name);
          cycle.push_back(spec.steps[dep].name);
          std::reverse(cycle.begin(), cycle.end());
          return cycle;
        }
        if (color[dep] == white) {
          color[dep] = grey;
          stack.push_back(dep);
          frames.push_back({dep, 0});
        }
      } else {
        color[step] = black;
        stack.pop_back();
        frames.pop_back();
      }
    }
  }
  return std::nullopt;
}

std::string format_cycle(const std::vector<std::string>& cycle) {
  std::string out;
  for (size_t i = 0; i < cycle.size(); ++i) {
    if (i) out += " -> ";
    out += cycle[i];
  }
  return out;
}

std::vector<std::string> topological_order(const Spec& spec) {
  // Kahn's algorithm; among ready steps, the one listed first in the spec goes first.
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < spec.steps.size(); ++i) index.emplace(spec.steps[i].name, i);
  std::vector<size_t> pending(spec.steps.size(), 0);
  std::vector<std::vector<size_t>> dependents(spec.steps.size());
  for (size_t i = 0; i < spec.steps.size(); ++i)
    for (const auto& dep : std::set<std::string>(spec.steps[i].depends_on.begin(), spec.steps[i].depends_on.end())) {
      auto it = index.find(dep);
      if (it == index.end()) continue;
      ++pending[i];
      dependents[it->second].push_back(i);
    }
  std::set<size_t> ready;
  for (size_t i = 0; i < spec.steps.size(); ++i)
    if (pending[i] == 0) ready.insert(i);
  std::vector<std::string> order;
  while (!ready.empty()) {
    size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(spec.steps[i].name);
    for (size_t d : dependents[i])
      if (--pending[d] == 0) ready.insert(d);
  }
  return order;
}

}  // namespace arborist::spec
