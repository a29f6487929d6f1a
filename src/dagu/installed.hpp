#pragma once
// The Dagu installed on PATH, if any: what `arborist dagu` writes for by default.
#include <optional>
#include <string>

#include "dagu/emit.hpp"

namespace arborist::dagu {

struct InstalledDagu {
  std::string version_text;  // what `dagu version` printed, trimmed ("1.30.2")
  Version form;              // the output form for it
};

// Runs `dagu version` (no shell, 3 s deadline). nullopt when there is no `dagu` on
// PATH, it fails, or it prints a version arborist has no form for.
std::optional<InstalledDagu> find_installed_dagu();

}  // namespace arborist::dagu
