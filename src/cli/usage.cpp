// arborist usage [--since 7d|YYYY-MM-DD] [--by runner|model|day|command] [--json]
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/utc_time.hpp"
#include "usage/session.hpp"

namespace arborist::cli {

namespace {

using json = nlohmann::ordered_json;

// "7d", "12h", "2w" before now, or a date "2025-01-31" (UTC) -> ISO 8601 lower bound.
Result<std::string> since_bound(const std::string& since) {
  if (since.empty()) return std::string();
  if (since.size() == 10 && since[4] == '-' && since[7] == '-') {
    if (!cache::parse_iso8601(since + "T00:00:00Z"))
      return fail(ExitCode::usage, "--since " + since + " is not a date", "use YYYY-MM-DD or an age like 7d");
    return since + "T00:00:00.000Z";
  }
  auto age = cache::parse_age(since);
  if (!age || since.find_first_not_of("0123456789") == std::string::npos)
    return fail(ExitCode::usage, "--since " + since + " is not an age or a date",
                "use e.g. 7d, 12h, 2w, or 2025-01-31");
  std::time_t t = std::time(nullptr) - static_cast<std::time_t>(age->count());
  return utc_text(t, "%Y-%m-%dT%H:%M:%S.000Z");
}

std::string cost_text(const log::UsageRow& u) {
  if (u.calls > 0 && u.unpriced_calls == u.calls) return "unknown";
  std::string text = usage::format_usd(u.cost_usd);
  if (u.unpriced_calls > 0) text += " + unknown";  // some calls had no price
  return text;
}

std::string rate_text(const log::UsageRow& u) {
  auto rate = u.hit_rate();
  if (!rate) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", *rate * 100);
  return buf;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

json usage_json(const log::UsageRow& u) {
  json j;
  j["calls"] = u.calls;
  j["input_tokens"] = u.input_tokens;
  j["output_tokens"] = u.output_tokens;
  // Known costs only; unpriced_calls > 0 means the true total is higher.
  j["cost_usd"] = (u.unpriced_calls > 0 && u.unpriced_calls == u.calls) ? json(nullptr) : json(u.cost_usd);
  j["cost_complete"] = u.unpriced_calls == 0;
  j["unpriced_calls"] = u.unpriced_calls;
  j["cache_hits"] = u.cache_hits;
  j["cache_misses"] = u.cache_misses;
  j["cache_hit_rate"] = u.hit_rate() ? json(*u.hit_rate()) : json(nullptr);
  return j;
}

}  // namespace

void add_usage_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  struct Options {
    std::string since;
    std::string by = "runner";
  };
  auto options = std::make_shared<Options>();
  auto* sub = app.add_subcommand("usage", "Calls, tokens, cost and cache hit rate from the request log");
  sub->add_option("--since", options->since, "Only calls in the last 7d / 12h / 2w, or since a date (YYYY-MM-DD)");
  sub->add_option("--by", options->by, "Group by runner, model, day or command (spec, ask)")->default_str("runner");
  sub->callback([options, &global, &command] {
    command.action = [options, &global]() -> Result<void> {
      auto by = log::parse_group(options->by);
      if (!by) return fail(ExitCode::usage, "--by " + options->by + " is not a grouping", "use runner, model, day or command");
      auto since = since_bound(options->since);
      if (!since) return fail(since.error());
      auto settings = usage::load_settings(global.config_path);
      if (!settings) return fail(settings.error());
      auto db = log::RequestLog::open_existing(settings->log_path);
      if (!db) return fail(db.error());
      std::vector<log::UsageRow> rows;
      if (*db) {
        auto found = (*db)->usage(*since, *by);
        if (!found) return fail(found.error());
        rows = std::move(*found);
      }
      log::UsageRow total;
      total.group = "total";
      for (const auto& u : rows) {
        total.calls += u.calls;
        total.input_tokens += u.input_tokens;
        total.output_tokens += u.output_tokens;
        total.cost_usd += u.cost_usd;
        total.unpriced_calls += u.unpriced_calls;
        total.cache_hits += u.cache_hits;
        total.cache_misses += u.cache_misses;
      }
      if (global.json) {
        json out;
        out["since"] = since->empty() ? json(nullptr) : json(*since);
        out["by"] = options->by;
        out["groups"] = json::array();
        for (const auto& u : rows) {
          json g;
          g[options->by] = u.group;
          g.update(usage_json(u));
          out["groups"].push_back(g);
        }
        out["total"] = usage_json(total);
        write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        return {};
      }
      std::string text = pad(options->by == "day"     ? "DAY"
                             : options->by == "model"   ? "MODEL"
                             : options->by == "command" ? "COMMAND"
                                                        : "RUNNER",
                             30) +
                         pad("CALLS", 7) + pad("TOKENS IN", 11) + pad("TOKENS OUT", 12) + pad("COST", 22) +
                         "CACHE HITS\n";
      auto line = [&](const log::UsageRow& u) {
        text += pad(u.group, 30) + pad(std::to_string(u.calls), 7) + pad(std::to_string(u.input_tokens), 11) +
                pad(std::to_string(u.output_tokens), 12) + pad(cost_text(u), 22) + rate_text(u) + " (" +
                std::to_string(u.cache_hits) + " of " + std::to_string(u.cache_hits + u.cache_misses) + ")\n";
      };
      for (const auto& u : rows) line(u);
      line(total);
      write_stdout(text);
      if (total.unpriced_calls > 0 && !global.quiet)
        print_notice(std::to_string(total.unpriced_calls) +
                     " call(s) used models without a price, so the cost shown is a lower bound "
                     "(add them under `prices:` in agent-arborist.yaml)");
      return {};
    };
  });
}

}  // namespace arborist::cli
