#pragma once
// Batch planning (`arborist spec --batch FILE -o DIR`): many descriptions through one planning
// session, `jobs` at a time. Each entry's spec (and with `dagu`, its DAG) is written atomically
// as soon as it is planned; a failed entry is reported and the rest go on. A manifest in DIR
// records what each output was made from, so a re-run skips entries that are current and never
// overwrites an output edited by hand (unless forced).
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "dagu/emit.hpp"
#include "plan/session.hpp"

namespace arborist::plan {

struct BatchEntry {
  std::string name;         // file stem and DAG name: legal for Dagu, unique in the batch
  std::string description;  // normalised
  int line = 0;             // where it is in the batch file (1-based)
};

// The batch file: one description per line (blank lines and `#` comments skipped), or a
// YAML list whose items are descriptions or `{name, description}` mappings. Names are
// derived from the description when not given, made legal and unique. Errors name the
// line and are ExitCode::invalid_input; an empty batch is one too.
Result<std::vector<BatchEntry>> read_batch(const std::string& text, const std::string& source);

struct BatchOptions {
  std::filesystem::path out_dir;
  int jobs = 4;
  std::optional<dagu::Version> dagu;  // set: also write DIR/dags/<name>.yaml in this form
  bool force = false;                 // re-plan entries that are current, replace edited outputs
};

// What became of one entry.
struct EntryResult {
  std::string name;
  // planned (asked a runner now), cached (the plan cache had it), current (outputs up to date:
  // skipped), kept (an output was edited since arborist wrote it: left alone), failed
  std::string status;
  std::filesystem::path spec_path;
  std::filesystem::path dag_path;  // empty without --dagu
  std::string runner;
  std::optional<Error> error;
  std::vector<Notice> notices;
  std::optional<double> cost_usd;
};

struct BatchProgress {
  size_t done = 0;  // finished, failed ones included
  size_t failed = 0;
  size_t total = 0;
  double elapsed_seconds = 0;
};

struct BatchHooks {
  std::function<void(const EntryResult&)> on_entry;        // as each entry finishes (any thread, serialised)
  std::function<void(const BatchProgress&)> on_progress;   // after each entry (serialised)
};

struct BatchReport {
  std::vector<EntryResult> entries;  // in the batch file's order
  size_t planned = 0, cached = 0, current = 0, kept = 0, failed = 0;
  double elapsed_seconds = 0;
  double cost_usd = 0;
};

// The name of the manifest file in the output directory.
inline constexpr const char* kBatchManifest = ".arborist-batch.json";

// Runs the batch. Fails as a whole only when DIR cannot be created or the manifest is
// unreadable in a way that could lose data (a corrupt manifest is set aside and reported).
Result<BatchReport> run_batch(const PlanningSession& session, const std::vector<BatchEntry>& entries,
                              const BatchOptions& options, const BatchHooks& hooks = {});

}  // namespace arborist::plan
