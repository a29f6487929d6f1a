#pragma once
// Whether a DAG arborist wrote still matches its spec (`arborist check`, issue 14): the
// provenance line names the spec and its hash; the DAG is emitted again from the spec in the
// same form and compared, so a hand edit since is found as well as a changed spec.
#include <string>

#include "core/error.hpp"

namespace arborist::dagu {

struct Drift {
  // in_sync, spec_changed (the spec's hash is not the recorded one), edited (the spec is the
  // same but the DAG is not what arborist writes for it), spec_missing, not_generated.
  std::string status;
  std::string dag_path;
  std::string spec_path;   // as seen from the working directory (pasteable), "" when unknown
  std::string detail;      // one sentence
  std::string hint;        // the command that brings them back in step
  int first_difference = 0;  // edited: the first DAG line that differs (1-based)
  bool in_sync() const { return status == "in_sync"; }
};

// `spec_override`: the spec to compare with instead of the recorded one ("" = recorded).
Result<Drift> check_drift(const std::string& dag_path, const std::string& spec_override = {});

}  // namespace arborist::dagu
