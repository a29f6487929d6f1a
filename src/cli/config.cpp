// arborist config show [--json]: the effective configuration, where each value came
// from, and the runner it selects. arborist config path: which files are read.
// arborist config actions: what the offline planner's words mean — the project's own
// `actions:` first, then the built-in table (config/planner-actions.yaml).
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "config/config.hpp"
#include "core/yaml.hpp"
#include "plan/offline/vocabulary.hpp"

namespace arborist::cli {

namespace {

using json = nlohmann::ordered_json;

struct Leaf {
  std::string pointer;
  std::string key;
  json value;
};

void flatten(const json& v, const std::string& pointer, const std::string& key, std::vector<Leaf>& out) {
  bool scalar_array = v.is_array() && std::all_of(v.begin(), v.end(), [](const json& i) { return i.is_primitive(); });
  if (v.is_object() && !v.empty()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      flatten(it.value(), pointer + "/" + yaml::pointer_escape(it.key()), key.empty() ? it.key() : key + "." + it.key(),
              out);
  } else if (v.is_array() && !v.empty() && !scalar_array) {
    for (size_t i = 0; i < v.size(); ++i)
      flatten(v[i], pointer + "/" + std::to_string(i), key + "." + std::to_string(i), out);
  } else {
    out.push_back({pointer, key, v});
  }
}

json origin_json(const config::Origin& o) {
  json j;
  j["layer"] = config::layer_name(o.layer);
  if (!o.file.empty()) {
    j["file"] = o.file;
    j["line"] = o.line;
    j["column"] = o.column;
  }
  if (!o.source.empty()) j["source"] = o.source;
  return j;
}

std::string value_text(const json& v) {
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    return s.empty() ? "\"\"" : s;
  }
  return v.dump();
}

config::LoadOptions load_options(const GlobalOptions& global) {
  config::LoadOptions options;
  options.explicit_file = global.config_path;
  return options;
}

Result<void> show(const GlobalOptions& global) {
  auto loaded = config::load(load_options(global));
  if (!loaded) return fail(loaded.error());
  const config::Config& c = *loaded;
  if (!global.quiet) print_problems(c.warnings);
  config::SelectOptions select;
  select.resolve_key = false;  // showing the config never runs api_key_cmd
  auto selection = config::select_runner(c, select);

  json tree = config::redacted(c.tree);
  std::vector<Leaf> leaves;
  flatten(tree, "", "", leaves);
  if (global.json) {
    json out;
    out["files"] = {{"user", c.user_file.empty() ? json(nullptr) : json(c.user_file.string())},
                    {"project", c.project_file.empty() ? json(nullptr) : json(c.project_file.string())}};
    if (selection) {
      out["runner"] = {{"name", selection->runner.name},
                       {"type", selection->runner.type},
                       {"model", selection->model.empty() ? json(nullptr) : json(selection->model)},
                       {"why", selection->why}};
    } else {
      out["runner"] = {{"error", selection.error().message}};
    }
    json values = json::array();
    for (const auto& leaf : leaves)
      values.push_back({{"key", leaf.key}, {"value", leaf.value}, {"origin", origin_json(c.origin_of(leaf.pointer))}});
    out["values"] = values;
    out["config"] = tree;
    write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return {};
  }
  std::string text = "# files: user " + (c.user_file.empty() ? std::string("(none)") : c.user_file.string()) +
                     ", project " + (c.project_file.empty() ? std::string("(none)") : c.project_file.string()) + "\n";
  if (selection)
    text += "# runner: " + selection->runner.name +
            (selection->runner.type != selection->runner.name ? " (type " + selection->runner.type + ")" : "") +
            (selection->model.empty() ? "" : ", model " + selection->model) + " — " + selection->why + "\n";
  else
    text += "# runner: " + selection.error().message + "\n";
  size_t width = 0;
  for (const auto& leaf : leaves) width = std::max(width, leaf.key.size() + 2 + value_text(leaf.value).size());
  width = std::min<size_t>(width, 60);
  for (const auto& leaf : leaves) {
    std::string line = leaf.key + ": " + value_text(leaf.value);
    if (line.size() < width) line += std::string(width - line.size(), ' ');
    text += line + "  # " + c.origin_of(leaf.pointer).describe() + "\n";
  }
  write_stdout(text);
  return {};
}

Result<void> paths(const GlobalOptions& global) {
  auto loaded = config::load(load_options(global));
  if (!loaded) return fail(loaded.error());
  if (global.json) {
    json out = {{"user", loaded->user_file.empty() ? json(nullptr) : json(loaded->user_file.string())},
                {"project", loaded->project_file.empty() ? json(nullptr) : json(loaded->project_file.string())}};
    write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return {};
  }
  if (!loaded->user_file.empty()) write_stdout(loaded->user_file.string() + "\n");
  if (!loaded->project_file.empty()) write_stdout(loaded->project_file.string() + "\n");
  return {};
}

// The table a step's "source" names ("tools.rust.test", "team action 'deploy'"), so a user can
// see why a word became a command.
Result<void> actions(const GlobalOptions& global) {
  auto loaded = config::load(load_options(global));
  if (!loaded) return fail(loaded.error());
  const auto& team = loaded->actions;
  const std::string_view built_in = plan::offline::vocabulary_text();
  if (global.json) {
    json out;
    out["team"] = json::array();
    for (const auto& a : team) out["team"].push_back({{"phrase", a.phrase}, {"command", a.command}});
    auto docs = yaml::parse(built_in, "config/planner-actions.yaml");
    out["built_in"] = docs && !docs->empty() ? docs->front().value : json(nullptr);
    write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return {};
  }
  std::string text;
  if (team.empty()) {
    text += "# Your project has no `actions:` (agent-arborist.yaml); see docs/configuration.md.\n\n";
  } else {
    text += "# Your project's actions (agent-arborist.yaml), tried before the built-in table:\n";
    for (const auto& a : team) text += "#   " + a.phrase + ": " + a.command + "\n";
    text += "\n";
  }
  text += built_in;
  write_stdout(text);
  return {};
}

}  // namespace

void add_config_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto* sub = app.add_subcommand("config", "Show the effective configuration and where each value came from");
  sub->require_subcommand(1);
  auto* show_cmd = sub->add_subcommand("show", "Print every setting with its origin (secrets redacted); --json too");
  show_cmd->callback([&global, &command] { command.action = [&global] { return show(global); }; });
  auto* path_cmd = sub->add_subcommand("path", "Print the config files in use (user, then project)");
  path_cmd->callback([&global, &command] { command.action = [&global] { return paths(global); }; });
  auto* actions_cmd = sub->add_subcommand(
      "actions", "Print what the offline planner's words mean: your `actions:`, then the built-in table");
  actions_cmd->callback([&global, &command] { command.action = [&global] { return actions(global); }; });
}

}  // namespace arborist::cli
