#pragma once
// Big values a command has finished with, handed over instead of destroyed, when the process
// is about to exit: the kernel takes the pages back at once, while freeing a 100,000-step
// document node by node cost more than the rest of the run grew (docs/performance.md). Only for
// commands that run once per process (`main`'s commands, never a library loop): each call keeps
// its value for good.
#include <type_traits>
#include <utility>
#include <vector>

namespace arborist {

namespace detail {
// Never destroyed, so what it points at stays reachable for leak checkers (LSan, valgrind).
inline std::vector<const void*>& kept_until_exit() {
  static auto* kept = new std::vector<const void*>;
  return *kept;
}
}  // namespace detail

template <class T>
void keep_until_exit(T&& value) {
  detail::kept_until_exit().push_back(new std::decay_t<T>(std::forward<T>(value)));
}

}  // namespace arborist
