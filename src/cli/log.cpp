// arborist log [-n N] [--command spec|ask] [--runner R] [--status S] [--since AGE] [--json];
// arborist log show ID [--json]; arborist log prune --older-than AGE
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cache/cache.hpp"
#include "cli/output.hpp"
#include "core/utc_time.hpp"
#include "usage/session.hpp"

namespace arborist::cli {

namespace {

using json = nlohmann::ordered_json;

json row_json(const log::CallRow& r, bool bodies) {
  json j;
  j["id"] = r.id;
  j["time"] = r.time;
  j["run_id"] = r.run_id;
  j["command"] = r.command;
  j["runner"] = r.runner;
  j["model"] = r.model;
  j["endpoint"] = r.endpoint;
  j["status"] = r.status;
  if (!r.error.empty()) j["error"] = r.error;
  j["attempts"] = r.attempts;
  j["waits_ms"] = r.waits_ms;
  j["http_status"] = r.http_status ? json(*r.http_status) : json(nullptr);
  j["attempt_log"] = json::array();
  for (const auto& a : r.attempt_log) {
    json one;
    one["attempt"] = a.attempt;
    one["http_status"] = a.http_status ? json(a.http_status) : json(nullptr);
    one["wait_ms"] = a.wait_ms ? json(*a.wait_ms) : json(nullptr);
    one["outcome"] = a.outcome;
    j["attempt_log"].push_back(std::move(one));
  }
  j["latency_ms"] = r.latency_ms;
  j["ttft_ms"] = r.ttft_ms ? json(*r.ttft_ms) : json(nullptr);
  j["input_tokens"] = r.input_tokens;
  j["output_tokens"] = r.output_tokens;
  j["cost_usd"] = r.cost_usd ? json(*r.cost_usd) : json(nullptr);
  j["cache"] = r.cache;
  j["cache_key"] = r.cache_key;
  if (bodies) {
    j["messages"] = {{"system", r.system}, {"user", r.prompt}, {"answer", r.response}};
    j["request"] = r.request;
    j["response"] = r.response;
    j["spec"] = r.spec;
  }
  return j;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// One line per HTTP attempt when there was more than one: what happened and the wait after it.
std::string attempt_lines(const log::CallRow& r) {
  if (r.attempt_log.size() < 2) return {};
  std::string out;
  for (const auto& a : r.attempt_log) {
    out += "\n  " + std::to_string(a.attempt) + ". " + a.outcome;
    if (a.wait_ms) out += " — waited " + std::to_string(*a.wait_ms) + " ms";
  }
  return out;
}

// The log named by config (log.path) or the default; nullopt when it does not exist yet.
Result<std::optional<log::RequestLog>> open_log(const GlobalOptions& global) {
  auto settings = usage::load_settings(global.config_path);
  if (!settings) return fail(settings.error());
  return log::RequestLog::open_existing(settings->log_path);
}

// "30d" (an age) or "2026-11-01" (a day) -> the ISO 8601 time it means; errors name the flag.
Result<std::string> time_from(const std::string& text, const std::string& flag) {
  if (auto age = cache::parse_age(text)) {
    const std::time_t then = std::time(nullptr) - static_cast<std::time_t>(age->count());
    return utc_text(then, "%Y-%m-%dT%H:%M:%S.000Z");
  }
  if (text.size() == 10 && cache::parse_iso8601(text + "T00:00:00Z")) return text + "T00:00:00.000Z";
  return fail(ExitCode::usage, flag + " " + text + " is neither an age nor a day", "e.g. " + flag + " 30d, or 2026-11-01");
}

struct LogFilterOptions {
  int count = 20;
  std::string command;
  std::string runner;
  std::string status;
  std::string since;
};

}  // namespace

void add_log_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto filters = std::make_shared<LogFilterOptions>();
  auto* sub = app.add_subcommand("log", "The request log: one row per provider call (docs/cache-and-log.md)");
  sub->add_option("-n", filters->count, "How many of the newest calls to list")->default_str("20");
  sub->add_option("--command", filters->command, "Only calls made by this command: spec or ask");
  sub->add_option("--runner", filters->runner, "Only calls to this runner type (openai, claude, ollama, command, http)");
  sub->add_option("--status", filters->status, "Only calls with this status: ok, error, refused or cache_hit");
  sub->add_option("--since", filters->since, "Only calls since an age (7d, 12h) or a day (2026-11-01)");
  auto older_than = std::make_shared<std::string>();
  auto* prune = sub->add_subcommand("prune", "Delete the calls older than an age, and compact the file");
  prune->add_option("--older-than", *older_than, "Age: 30d, 12h, 2w (calls before then are deleted)")->required();
  prune->callback([older_than, &global, &command] {
    command.action = [older_than, &global]() -> Result<void> {
      auto before = time_from(*older_than, "--older-than");
      if (!before) return fail(before.error());
      auto settings = usage::load_settings(global.config_path);
      if (!settings) return fail(settings.error());
      auto db = log::RequestLog::open_existing(settings->log_path);
      if (!db) return fail(db.error());
      long removed = 0;
      if (*db) {
        auto pruned = (*db)->prune(*before);
        if (!pruned) return fail(pruned.error());
        removed = *pruned;
      }
      if (global.json) {
        json out;
        out["removed"] = removed;
        out["before"] = *before;
        out["log"] = settings->log_path.string();
        write_stdout(out.dump(2) + "\n");
      } else if (!global.quiet) {
        print_notice("removed " + std::to_string(removed) + " call" + (removed == 1 ? "" : "s") + " logged before " +
                     *before + " from " + settings->log_path.string());
      }
      return {};
    };
  });
  auto id = std::make_shared<std::int64_t>(0);
  auto* show = sub->add_subcommand("show", "One call in full, with the other calls of its run (repair rounds)");
  show->add_option("id", *id, "The call's id (first column of `arborist log`)")->required();

  sub->callback([sub, filters, &global, &command] {
    if (sub->got_subcommand("show") || sub->got_subcommand("prune")) return;
    command.action = [filters, &global]() -> Result<void> {
      const LogFilterOptions& f = *filters;
      if (f.count <= 0) return fail(ExitCode::usage, "-n must be more than 0, not " + std::to_string(f.count));
      if (!f.command.empty() && f.command != "spec" && f.command != "ask")
        return fail(ExitCode::usage, "--command " + f.command + " is not a command that calls runners",
                    "use spec or ask");
      if (!f.status.empty() && f.status != "ok" && f.status != "error" && f.status != "refused" &&
          f.status != "cache_hit")
        return fail(ExitCode::usage, "--status " + f.status + " is not a call status",
                    "use ok, error, refused or cache_hit");
      log::RequestLog::Filter filter{f.command, f.runner, f.status, {}};
      if (!f.since.empty()) {
        auto since = time_from(f.since, "--since");
        if (!since) return fail(since.error());
        filter.since = *since;
      }
      auto db = open_log(global);
      if (!db) return fail(db.error());
      std::vector<log::CallRow> rows;
      if (*db) {
        auto recent = (*db)->recent(f.count, filter);
        if (!recent) return fail(recent.error());
        rows = std::move(*recent);
      }
      if (global.json) {
        json out = json::array();
        for (const auto& r : rows) out.push_back(row_json(r, false));
        write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        return {};
      }
      if (rows.empty()) {
        if (!global.quiet) print_notice("the request log is empty");
        return {};
      }
      std::string text = pad("ID", 6) + pad("TIME", 25) + pad("CMD", 5) + pad("RUNNER", 9) + pad("MODEL", 28) + pad("STATUS", 10) +
                         pad("HTTP", 5) + pad("TRIES", 6) + pad("TOKENS IN/OUT", 15) + pad("COST", 12) +
                         pad("CACHE", 6) + "LATENCY\n";
      for (const auto& r : rows)
        text += pad(std::to_string(r.id), 6) + pad(r.time, 25) + pad(r.command, 5) + pad(r.runner, 9) + pad(r.model, 28) +
                pad(r.status, 10) + pad(r.http_status ? std::to_string(*r.http_status) : "-", 5) +
                pad(r.attempts > 0 ? std::to_string(r.attempts) : "-", 6) +
                pad(std::to_string(r.input_tokens) + "/" + std::to_string(r.output_tokens), 15) +
                pad(usage::format_usd(r.cost_usd), 12) + pad(r.cache, 6) + std::to_string(r.latency_ms) + " ms\n";
      write_stdout(text);
      return {};
    };
  });

  show->callback([id, &global, &command] {
    command.action = [id, &global]() -> Result<void> {
      auto db = open_log(global);
      if (!db) return fail(db.error());
      std::optional<log::CallRow> row;
      if (*db) {
        auto found = (*db)->get(*id);
        if (!found) return fail(found.error());
        row = std::move(*found);
      }
      if (!row)
        return fail(ExitCode::invalid_input, "no call " + std::to_string(*id) + " in the request log",
                    "`arborist log` lists the newest calls with their ids");
      std::vector<log::CallRow> run{*row};
      if (!row->run_id.empty()) {
        auto all = (*db)->run(row->run_id);
        if (!all) return fail(all.error());
        run = std::move(*all);
      }
      if (global.json) {
        json out;
        out["call"] = row_json(*row, true);
        out["run"] = json::array();
        for (const auto& r : run) out["run"].push_back(row_json(r, true));
        write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        return {};
      }
      std::string text;
      int round = 0;
      for (const auto& r : run) {
        ++round;
        text += std::string(r.id == row->id ? "=== " : "--- ") + "call " + std::to_string(r.id) + " (" +
                std::to_string(round) + " of " + std::to_string(run.size()) + " in this run) ===\n";
        text += "time:     " + r.time + "\nrunner:   " + r.runner + " (" + r.model + ") " + r.endpoint +
                "\nstatus:   " + r.status + (r.error.empty() ? "" : ": " + r.error) +
                (r.http_status ? "\nhttp:     " + std::to_string(*r.http_status) : std::string()) +
                "\nattempts: " + std::to_string(r.attempts) + attempt_lines(r) +
                "\nlatency:  " + std::to_string(r.latency_ms) + " ms" +
                (r.ttft_ms ? " (first token after " + std::to_string(*r.ttft_ms) + " ms)" : "") +
                "\ntokens:   " + std::to_string(r.input_tokens) + " in / " + std::to_string(r.output_tokens) +
                " out\ncost:     " + usage::format_usd(r.cost_usd) + "\ncache:    " + r.cache +
                (r.cache_key.empty() ? "" : " " + r.cache_key) + "\n";
        if (!r.system.empty()) text += "\n# system\n" + r.system + "\n";
        if (!r.prompt.empty()) text += "\n# user\n" + r.prompt + "\n";
        if (!r.response.empty() && !r.prompt.empty()) text += "\n# answer\n" + r.response + "\n";
        if (!r.request.empty()) text += "\n# request (as sent)\n" + r.request + "\n";
        if (!r.response.empty() && r.prompt.empty()) text += "\n# response\n" + r.response + "\n";
        if (!r.spec.empty()) text += "\n# spec\n" + r.spec;
        text += "\n";
      }
      write_stdout(text);
      return {};
    };
  });
}

}  // namespace arborist::cli
