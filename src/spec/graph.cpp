#include "spec/graph.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace arborist::spec {

std::optional<std::vector<std::string>> find_cycle(const Spec& spec) {
  std::map<std::string, const Step*> by_name;
  for (const auto& s : spec.steps) by_name.emplace(s.name, &s);
  enum Color { white, grey, black };
  std::map<std::string, Color> color;
  std::vector<std::string> stack;
  std::optional<std::vector<std::string>> found;

  // Iterative DFS (no recursion: a 100k-step chain must not overflow the stack).
  // Each frame is a step and the index of the next dependency to visit.
  for (const auto& start : spec.steps) {
    if (color[start.name] != white) continue;
    std::vector<std::pair<const Step*, size_t>> frames{{&start, 0}};
    color[start.name] = grey;
    stack.push_back(start.name);
    while (!frames.empty()) {
      auto& [step, next] = frames.back();
      if (next < step->depends_on.size()) {
        const std::string& dep = step->depends_on[next++];
        auto it = by_name.find(dep);
        if (it == by_name.end()) continue;
        if (color[dep] == grey) {
          // The cycle is the stack from dep to here, then dep again. Report it in
          // the direction work flows: dependency -> dependent.
          std::vector<std::string> cycle;
          auto pos = std::find(stack.begin(), stack.end(), dep);
          cycle.assign(pos, stack.end());
          cycle.push_back(dep);
          std::reverse(cycle.begin(), cycle.end());
          return cycle;
        }
        if (color[dep] == white) {
          color[dep] = grey;
          stack.push_back(dep);
          frames.push_back({it->second, 0});
        }
      } else {
        color[step->name] = black;
        stack.pop_back();
        frames.pop_back();
      }
    }
  }
  return found;
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
