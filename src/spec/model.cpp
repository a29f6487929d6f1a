#include "spec/model.hpp"

namespace arborist::spec {

const Step* Spec::find_step(const std::string& step_name) const {
  for (const auto& s : steps)
    if (s.name == step_name) return &s;
  return nullptr;
}

}  // namespace arborist::spec
