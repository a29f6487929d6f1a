#pragma once
// The one place that names the expected implementation. C++23 std::expected is
// the standardised form of tl::expected; swapping is a change to these lines.
#include <expected>

namespace arborist {
template <class T, class E>
using expected = std::expected<T, E>;
template <class E>
using unexpected = std::unexpected<E>;
}  // namespace arborist
