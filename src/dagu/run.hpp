#pragma once
// `arborist run`: a spec or a DAG handed to the Dagu that will run it. A spec is emitted in
// the form of the installed Dagu first; either is checked as that Dagu's family, and nothing
// runs while it has errors. Then `dagu start` (the run streams its status on our stdout and
// stderr, and its exit status becomes ours) or `dagu enqueue --queue Q` (returns once queued).
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "dagu/emit.hpp"

namespace arborist::dagu {

struct RunRequest {
  std::filesystem::path file;       // a spec or a Dagu DAG (by content)
  std::string queue;                // --queue: enqueue on it instead of starting now
  std::vector<std::string> params;  // NAME=VALUE, passed after `--`
  std::string dagu;                 // the binary ("" = ARBORIST_DAGU, else `dagu` on PATH)
  std::filesystem::path keep_dag;   // -o: where the DAG emitted from a spec is kept ("" = a temp file)
  // The safety lint before anything runs (docs/lint.md): findings of the rules that block a
  // model's plan (curl | sh, rm -rf /, fork bombs, credentials sent out, literal secrets, disk
  // wipes) refuse the run unless switched off for the step or in `lint.disable`; `strict`
  // (--strict, lint.strict) refuses on any finding. The rest are warnings.
  std::set<std::string> lint_disabled;
  bool strict = false;
};

// What is about to run.
struct PreparedRun {
  std::string dagu;                   // the binary's path
  std::string dagu_version;           // "1.30.2"
  Version form = Version::v1;         // the form written or checked for it
  std::filesystem::path dag;          // the DAG file Dagu is given
  std::filesystem::path temp_dir;     // removed when the run ends ("" = none)
  bool from_spec = false;
  std::vector<Problem> warnings;      // the checks' warnings
  std::vector<std::string> argv;      // the command that runs it
  ~PreparedRun();
  PreparedRun() = default;
  PreparedRun(PreparedRun&&) noexcept;
  PreparedRun& operator=(PreparedRun&&) = delete;
  PreparedRun(const PreparedRun&) = delete;
};

// Finds Dagu, reads the file, emits or checks it. Errors: no Dagu (exit 8, with how to
// install it), a version arborist has no form for (exit 8), a file that fails its checks
// (exit 3), a bad parameter (exit 2), --queue with a spec and no -o (exit 2: the queued run
// reads the DAG file later, so it must stay).
Result<PreparedRun> prepare_run(const RunRequest& request);

// Runs the prepared command with our stdin, stdout and stderr; Ctrl-C reaches Dagu, which
// stops the run. Exit 0 = the run succeeded (or was queued); otherwise exit 8 naming the DAG
// and how to see its log.
// With `status_to_stderr` Dagu's own output goes to stderr (for --json, whose report is stdout).
Result<void> execute_run(const PreparedRun& run, bool queued, bool status_to_stderr = false);

}  // namespace arborist::dagu
