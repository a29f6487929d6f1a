#include "plan/batch.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "core/yaml.hpp"
#include "spec/io.hpp"

namespace arborist::plan {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Names: legal Dagu DAG names (they name the DAG files), unique case-insensitively (two
// files differing in case clash on some file systems).
std::string unique_name(std::string name, std::set<std::string>& taken) {
  name = dagu::sanitize_dag_name(name);
  if (name.size() > 36) name.resize(36);
  std::string candidate = name;
  for (int n = 2; taken.count(text::to_lower(candidate)); ++n) candidate = name + "-" + std::to_string(n);
  taken.insert(text::to_lower(candidate));
  return candidate;
}

std::string name_from(const std::string& description) {
  std::string slug = text::slugify(description, '-', 36);
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.empty() ? "workflow" : slug;
}

Result<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ExitCode::io, "cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<std::string> file_sha(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  auto text = read_text(path);
  if (!text) return std::nullopt;
  return sha256_hex(*text);
}

// What the manifest remembers of one entry's outputs.
struct Record {
  std::string fingerprint;  // the planning inputs (PlanningSession::fingerprint)
  std::string spec_sha256;  // of the spec file as written
  std::string dag_sha256;   // "" = no DAG written
  std::string dagu;         // the DAG's form
};

nlohmann::ordered_json manifest_json(const std::map<std::string, Record>& records) {
  nlohmann::ordered_json j;
  j["format"] = 1;
  j["note"] = "written by arborist spec --batch: what each output was made from; delete it to re-plan everything";
  j["entries"] = nlohmann::ordered_json::object();
  for (const auto& [name, r] : records)
    j["entries"][name] = {{"fingerprint", r.fingerprint},
                          {"spec_sha256", r.spec_sha256},
                          {"dag_sha256", r.dag_sha256},
                          {"dagu", r.dagu}};
  return j;
}

// The manifest of an earlier run. One that cannot be read is set aside (renamed) with a
// notice: its outputs then count as not written by arborist and are kept.
std::map<std::string, Record> load_manifest(const fs::path& path, std::vector<Notice>& notices) {
  std::map<std::string, Record> records;
  std::error_code ec;
  if (!fs::exists(path, ec)) return records;
  auto text = read_text(path);
  auto j = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  bool ok = !j.is_discarded() && j.is_object() && j.value("format", 0) == 1 && j.contains("entries") &&
            j["entries"].is_object();
  if (ok) {
    for (auto it = j["entries"].begin(); it != j["entries"].end(); ++it) {
      const auto& e = it.value();
      if (!e.is_object()) continue;
      auto str = [&e](const char* k) { return e.contains(k) && e[k].is_string() ? e[k].get<std::string>() : ""; };
      records[it.key()] = Record{str("fingerprint"), str("spec_sha256"), str("dag_sha256"), str("dagu")};
    }
    return records;
  }
  fs::path aside = path;
  aside += ".corrupt";
  fs::rename(path, aside, ec);
  notices.push_back({Notice::Kind::warning, path.string() + " could not be read; set aside as " + aside.string() +
                                                " (existing outputs are kept; --force plans them again)"});
  return records;
}

// The DAG for a spec, recording the spec's path relative to the DAG.
Result<std::string> dag_text(const spec::Spec& spec, const std::string& name, dagu::Version version,
                             const fs::path& dag_path) {
  dagu::EmitOptions options;
  options.version = version;
  options.spec_path = "../" + name + ".yaml";
  options.output_path = dag_path.string();
  options.spec_dir = (dag_path.parent_path() / "..").lexically_normal().string();  // where the spec is
  return dagu::emit(spec, options);
}

}  // namespace

Result<std::vector<BatchEntry>> read_batch(const std::string& text, const std::string& source) {
  std::vector<BatchEntry> entries;
  std::set<std::string> taken;
  auto add = [&](std::string name, const std::string& description, int line) -> Result<void> {
    auto normalized = normalize_description(description, source + " line " + std::to_string(line));
    if (!normalized) return fail(normalized.error());
    entries.push_back({unique_name(name.empty() ? name_from(*normalized) : name, taken), *normalized, line});
    return {};
  };

  // A YAML list when the first meaningful line starts one; else one description per line.
  std::string_view first;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line = text::trim(std::string_view(text).substr(start, end - start));
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    first = line;
    break;
  }
  if (first.starts_with("- ") || first == "-" || first.starts_with("[")) {
    auto docs = yaml::parse(text, source);
    if (!docs) return fail(docs.error());
    if (docs->size() != 1 || !docs->front().value.is_array())
      return fail(ExitCode::invalid_input, source + ": a YAML batch is one list of descriptions or {name, description}");
    const auto& doc = docs->front();
    const auto& list = doc.value;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string pointer = "/" + std::to_string(i);
      const int line = doc.position_of(pointer).line;
      const auto& item = list[i];
      std::string name, description;
      if (item.is_string()) {
        description = item.get<std::string>();
      } else if (item.is_object() && item.contains("description") && item["description"].is_string()) {
        description = item["description"].get<std::string>();
        if (item.contains("name")) {
          if (!item["name"].is_string() || item["name"].get<std::string>().empty())
            return fail(ExitCode::invalid_input,
                        source + " line " + std::to_string(line) + ": name must be a non-empty string");
          name = item["name"].get<std::string>();
        }
        for (auto it = item.begin(); it != item.end(); ++it)
          if (it.key() != "name" && it.key() != "description")
            return fail(ExitCode::invalid_input,
                        source + " line " + std::to_string(line) + ": unknown key '" + it.key() + "'",
                        "each item is a description, or {name, description}");
      } else {
        return fail(ExitCode::invalid_input,
                    source + " line " + std::to_string(line) + ": expected a description or {name, description}");
      }
      if (auto ok = add(name, description, line); !ok) return fail(ok.error());
    }
  } else {
    int number = 0;
    for (size_t start = 0; start <= text.size();) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      ++number;
      std::string_view line = text::trim(std::string_view(text).substr(start, end - start));
      start = end + 1;
      if (line.empty() || line.front() == '#') continue;
      if (auto ok = add({}, std::string(line), number); !ok) return fail(ok.error());
      if (end == text.size()) break;
    }
  }
  if (entries.empty())
    return fail(ExitCode::invalid_input, source + " holds no descriptions",
                "one description per line, or a YAML list of {name, description}");
  return entries;
}

Result<BatchReport> run_batch(const PlanningSession& session, const std::vector<BatchEntry>& entries,
                              const BatchOptions& options, const BatchHooks& hooks) {
  const fs::path dir = options.out_dir;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    return fail(ExitCode::usage, "-o " + dir.string() + " is a file; --batch writes a directory of specs",
                "name a directory (it is created if missing)");
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    return fail(ExitCode::io, "cannot create the output directory " + dir.string() + ": " + ec.message());
  const fs::path dag_dir = dir / "dags";
  if (options.dagu) {
    fs::create_directories(dag_dir, ec);
    if (ec) return fail(ExitCode::io, "cannot create " + dag_dir.string() + ": " + ec.message());
  }
  const std::string dagu_form = options.dagu ? std::string(dagu::version_id(*options.dagu)) : std::string();

  BatchReport report;
  report.entries.resize(entries.size());
  std::vector<Notice> opening;
  const fs::path manifest_path = dir / kBatchManifest;
  const std::map<std::string, Record> previous = load_manifest(manifest_path, opening);

  std::mutex mutex;  // guards `records`, the counters and the hooks
  std::map<std::string, Record> records = previous;
  BatchProgress progress;
  progress.total = entries.size();
  const auto start = Clock::now();
  auto last_manifest_write = start;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  auto write_manifest = [&]() {
    // Callers hold the mutex. A manifest that cannot be written costs only the next run's skips.
    (void)write_file_atomically(manifest_path, manifest_json(records).dump(2) + "\n");
    last_manifest_write = Clock::now();
  };

  // The entry's DAG from its spec, written and recorded.
  auto write_dag = [&](const spec::Spec& spec, const BatchEntry& entry, const EntryResult& r,
                       Record& record) -> Result<void> {
    auto dag = dag_text(spec, entry.name, *options.dagu, r.dag_path);
    if (!dag) return fail(dag.error());
    if (auto w = write_file_atomically(r.dag_path, *dag); !w) return w;
    record.dag_sha256 = sha256_hex(*dag);
    record.dagu = dagu_form;
    return {};
  };

  auto process = [&](const BatchEntry& entry) -> EntryResult {
    EntryResult r;
    r.name = entry.name;
    r.spec_path = dir / (entry.name + ".yaml");
    if (options.dagu) r.dag_path = dag_dir / (entry.name + ".yaml");
    auto failed = [&r](Error e) {
      r.status = "failed";
      r.error = std::move(e);
      return r;
    };
    const std::string fingerprint = session.fingerprint(entry.description);
    const auto known = previous.find(entry.name);
    const Record* record = known == previous.end() ? nullptr : &known->second;
    auto spec_sha = file_sha(r.spec_path);

    if (spec_sha && !options.force) {
      if (!record || *spec_sha != record->spec_sha256) {
        r.status = "kept";
        r.notices.push_back({Notice::Kind::info, r.spec_path.string() +
                                                     (record ? " was edited since arborist wrote it"
                                                             : " was not written by arborist's batch") +
                                                     ": kept (--force plans it again and replaces it)"});
        return r;
      }
      if (record->fingerprint == fingerprint) {
        r.status = "current";
        Record updated = *record;
        if (options.dagu) {
          auto dag_sha = file_sha(r.dag_path);
          if (dag_sha && *dag_sha != record->dag_sha256) {
            r.status = "kept";
            r.notices.push_back({Notice::Kind::info, r.dag_path.string() +
                                                         " was edited since arborist wrote it: kept (--force "
                                                         "replaces it)"});
            return r;
          }
          if (!dag_sha || record->dagu != dagu_form) {
            // The spec is current; its DAG is missing or in another form: emit it again.
            auto spec = spec::read_spec_file(r.spec_path.string());
            if (!spec) return failed(spec.error());
            if (auto w = write_dag(*spec, entry, r, updated); !w) return failed(w.error());
          }
        }
        std::lock_guard lock(mutex);
        records[entry.name] = updated;
        return r;
      }
      // Made from other inputs (another description, runner, model or template): plan again.
    }

    Outcome outcome = session.plan(entry.description);
    r.notices = std::move(outcome.notices);
    r.runner = outcome.runner;
    if (!outcome.ok()) return failed(*outcome.error);
    r.cost_usd = outcome.cost_usd;
    std::string spec_yaml;
    std::optional<spec::Spec> spec;
    if (outcome.cached) {
      r.status = "cached";
      spec_yaml = outcome.cached->spec_yaml;
    } else {
      r.status = "planned";
      spec_yaml = spec::write_spec(outcome.plan->spec);
      spec = std::move(outcome.plan->spec);
    }
    if (auto w = write_file_atomically(r.spec_path, spec_yaml); !w) return failed(w.error());
    Record updated{fingerprint, sha256_hex(spec_yaml), {}, {}};
    if (options.dagu) {
      if (!spec) {
        auto read = spec::read_spec(spec_yaml, r.spec_path.string());
        if (!read) return failed(read.error());
        spec = std::move(*read);
      }
      if (auto w = write_dag(*spec, entry, r, updated); !w) return failed(w.error());
    }
    std::lock_guard lock(mutex);
    records[entry.name] = updated;
    return r;
  };

  if (!opening.empty() && hooks.on_entry) {
    EntryResult notice;
    notice.status = "notice";
    notice.notices = opening;
    hooks.on_entry(notice);
  }

  std::atomic<size_t> next{0};
  auto worker = [&]() {
    for (size_t i = next++; i < entries.size(); i = next++) {
      EntryResult r = process(entries[i]);
      std::lock_guard lock(mutex);
      ++progress.done;
      if (r.status == "failed") ++progress.failed;
      progress.elapsed_seconds = seconds_since(start);
      if (hooks.on_entry) hooks.on_entry(r);
      if (hooks.on_progress) hooks.on_progress(progress);
      if (seconds_since(last_manifest_write) >= 1.0) write_manifest();
      report.entries[i] = std::move(r);
    }
  };
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(entries.size())));
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  {
    std::lock_guard lock(mutex);
    write_manifest();
  }

  for (const auto& r : report.entries) {
    if (r.status == "planned") ++report.planned;
    if (r.status == "cached") ++report.cached;
    if (r.status == "current") ++report.current;
    if (r.status == "kept") ++report.kept;
    if (r.status == "failed") ++report.failed;
    report.cost_usd += r.cost_usd.value_or(0);
  }
  report.elapsed_seconds = seconds_since(start);
  return report;
}

}  // namespace arborist::plan
