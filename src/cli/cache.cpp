// arborist cache stats|clear|path|show KEY|explain "<description>"  (--json for all)
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "config/config.hpp"
#include "plan/planner.hpp"
#include "usage/session.hpp"

namespace arborist::cli {

namespace {

using json = nlohmann::ordered_json;

std::string bytes_text(std::uint64_t bytes) {
  char buf[64];
  if (bytes < 1024)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else if (bytes < 1024 * 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024 * 1024));
  return buf;
}

struct ExplainOptions {
  std::string description;
  std::string runner;
  std::string model;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::optional<int> repair_rounds;
};

Result<void> explain(const ExplainOptions& o, const GlobalOptions& global) {
  auto description = plan::normalize_description(o.description, "the description");
  if (!description) return fail(description.error());
  config::LoadOptions load;
  load.explicit_file = global.config_path;
  if (!o.model.empty()) load.flags.push_back({"/defaults/model", o.model, "--model"});
  if (o.max_tokens) load.flags.push_back({"/defaults/max_tokens", *o.max_tokens, "--max-tokens"});
  if (o.temperature) load.flags.push_back({"/defaults/temperature", *o.temperature, "--temperature"});
  if (o.repair_rounds) load.flags.push_back({"/defaults/repair_rounds", *o.repair_rounds, "--repair-rounds"});
  auto config = config::load(load);
  if (!config) return fail(config.error());
  config::SelectOptions select;
  select.name = o.runner;
  select.resolve_key = false;  // the key is never a key input; don't run api_key_cmd for it
  auto selection = config::select_runner(*config, select);
  if (!selection) return fail(selection.error());
  auto settings = usage::settings_from(*config, "", true, std::nullopt);
  if (!settings) return fail(settings.error());
  const bool metered = usage::is_metered(selection->runner.type);
  // The description as `arborist spec` would send it: scrubbed of secrets.
  std::string sent = metered ? config::scrub(*description, config->redact).text : *description;
  auto inputs = usage::key_inputs_for(*selection, sent, config->templates_dir, config->repair_rounds, config->actions);
  if (!inputs) return fail(inputs.error());
  const std::string key = cache::key_of(*inputs);
  cache::Cache store(settings->cache);
  std::vector<std::string> ignored;
  cache::Settings reading = settings->cache;
  reading.mode = cache::Mode::read_only;  // explaining must not refresh LRU stamps or remove anything
  auto entry = metered ? cache::Cache(reading).lookup(key, ignored) : std::nullopt;
  std::string state = !metered ? "not cached (the " + selection->runner.type + " runner plans offline)"
                      : entry  ? "cached (created " + entry->created + ")"
                               : "not cached";
  if (global.json) {
    json out;
    out["key"] = key;
    out["cached"] = entry.has_value();
    out["cacheable"] = metered;
    out["path"] = store.path_for(key).string();
    out["mode"] = cache::mode_name(settings->cache.mode);
    out["inputs"] = cache::canonical_json(*inputs);
    write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return {};
  }
  std::string text = "key: " + key + "\n" + "state: " + state + "\n" + "path: " + store.path_for(key).string() + "\n" +
                     "mode: " + cache::mode_name(settings->cache.mode) + "\n" +
                     "inputs (SHA-256 of this JSON is the key; API keys are never part of it):\n" +
                     cache::canonical_json(*inputs).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  write_stdout(text);
  return {};
}

json entry_summary(const cache::Entry& e) {
  json j = cache::entry_to_json(e);
  j.erase("spec_json");
  return j;
}

}  // namespace

void add_cache_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto* sub = app.add_subcommand("cache", "Inspect or clear the plan cache (docs/cache-and-log.md)");
  sub->require_subcommand(1);

  auto* stats = sub->add_subcommand("stats", "Entries, size, age and settings of the cache");
  stats->callback([&global, &command] {
    command.action = [&global]() -> Result<void> {
      auto settings = usage::load_settings(global.config_path);
      if (!settings) return fail(settings.error());
      auto s = cache::Cache(settings->cache).stats();
      if (global.json) {
        json out;
        out["path"] = s.dir.string();
        out["mode"] = cache::mode_name(settings->cache.mode);
        out["entries"] = s.entries;
        out["bytes"] = s.bytes;
        out["oldest"] = s.oldest ? json(*s.oldest) : json(nullptr);
        out["newest"] = s.newest ? json(*s.newest) : json(nullptr);
        out["ttl_seconds"] = settings->cache.ttl ? json(settings->cache.ttl->count()) : json(nullptr);
        out["max_size_bytes"] = settings->cache.max_size ? json(*settings->cache.max_size) : json(nullptr);
        write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        return {};
      }
      std::string text = "path:    " + s.dir.string() + "\nmode:    " + cache::mode_name(settings->cache.mode) +
                         "\nentries: " + std::to_string(s.entries) + "\nsize:    " + bytes_text(s.bytes) + "\n";
      if (s.oldest) text += "oldest:  " + *s.oldest + "\nnewest:  " + *s.newest + "\n";
      text += "ttl:     " + (settings->cache.ttl ? std::to_string(settings->cache.ttl->count()) + "s" : "none") + "\n";
      text += "max:     " + (settings->cache.max_size ? bytes_text(*settings->cache.max_size) : "none") + "\n";
      write_stdout(text);
      return {};
    };
  });

  auto* clear = sub->add_subcommand("clear", "Remove every cached plan");
  clear->callback([&global, &command] {
    command.action = [&global]() -> Result<void> {
      auto settings = usage::load_settings(global.config_path);
      if (!settings) return fail(settings.error());
      auto removed = cache::Cache(settings->cache).clear();
      if (!removed) return fail(removed.error());
      if (global.json)
        write_stdout(json{{"path", settings->cache.dir.string()}, {"removed", *removed}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
      else if (!global.quiet)
        print_notice("removed " + std::to_string(*removed) + " cached plan" + (*removed == 1 ? "" : "s") + " from " +
                     settings->cache.dir.string());
      return {};
    };
  });

  auto* path = sub->add_subcommand("path", "Print the cache directory");
  path->callback([&global, &command] {
    command.action = [&global]() -> Result<void> {
      auto settings = usage::load_settings(global.config_path);
      if (!settings) return fail(settings.error());
      if (global.json)
        write_stdout(json{{"path", settings->cache.dir.string()}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
      else
        write_stdout(settings->cache.dir.string() + "\n");
      return {};
    };
  });

  auto key = std::make_shared<std::string>();
  auto* show = sub->add_subcommand("show", "Show one cached plan: its spec and what it took");
  show->add_option("key", *key, "The key, or its first 6 or more hex digits")->required();
  show->callback([key, &global, &command] {
    command.action = [key, &global]() -> Result<void> {
      auto settings = usage::load_settings(global.config_path);
      if (!settings) return fail(settings.error());
      auto entry = cache::Cache(settings->cache).show(*key);
      if (!entry) return fail(entry.error());
      if (global.json) {
        write_stdout(entry_summary(*entry).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        return {};
      }
      std::string text = "key:     " + entry->key + "\ncreated: " + entry->created + "\nrunner:  " + entry->runner +
                         "\nmodel:   " + entry->model + "\ntokens:  " + std::to_string(entry->input_tokens) + " in / " +
                         std::to_string(entry->output_tokens) + " out\ncost:    " + usage::format_usd(entry->cost_usd) +
                         "\n---\n" + (entry->kind == "answer" ? entry->answer + "\n" : entry->spec_yaml);
      write_stdout(text);
      return {};
    };
  });

  auto explain_options = std::make_shared<ExplainOptions>();
  auto* ex = sub->add_subcommand("explain", "Show the key inputs for a description, and whether a plan is cached");
  ex->add_option("description", explain_options->description, "The description, as given to `arborist spec`")
      ->required();
  ex->add_option("-r,--runner", explain_options->runner, "Runner or profile (as for `arborist spec`)");
  ex->add_option("-m,--model", explain_options->model, "Model (as for `arborist spec`)");
  ex->add_option("--max-tokens", explain_options->max_tokens, "As for `arborist spec`");
  ex->add_option("--temperature", explain_options->temperature, "As for `arborist spec`");
  ex->add_option("--repair-rounds", explain_options->repair_rounds, "As for `arborist spec`");
  ex->callback([explain_options, &global, &command] {
    command.action = [explain_options, &global]() { return explain(*explain_options, global); };
  });
}

}  // namespace arborist::cli
