#include "plan/offline/vocabulary.hpp"

#include <yaml-cpp/yaml.h>

#include <stdexcept>

#include "core/resources.hpp"
#include "core/text.hpp"

namespace arborist::plan::offline {

namespace {

constexpr std::string_view kResource = "config/planner-actions.yaml";

[[noreturn]] void defect(const std::string& where, const std::string& what) {
  throw std::logic_error(std::string(kResource) + ": " + where + ": " + what);
}

std::vector<std::string> strings(const YAML::Node& node, const std::string& where) {
  std::vector<std::string> out;
  if (!node) return out;
  if (!node.IsSequence()) defect(where, "must be a list of words");
  for (const auto& item : node) out.push_back(text::to_lower(item.as<std::string>()));
  return out;
}

NamedEntry entry(const std::string& section, const YAML::Node& key, const YAML::Node& value) {
  NamedEntry e;
  e.id = key.as<std::string>();
  const std::string where = section + "." + e.id;
  if (!value.IsMap()) defect(where, "must be a mapping");
  e.named_by = strings(value["named_by"], where + ".named_by");
  if (e.named_by.empty()) defect(where, "needs named_by: the words that name it");
  e.implied_by = strings(value["implied_by"], where + ".implied_by");
  if (auto commands = value["commands"]) {
    if (!commands.IsMap()) defect(where + ".commands", "must be a mapping of action to command");
    for (const auto& c : commands) e.commands[c.first.as<std::string>()] = c.second.as<std::string>();
  }
  if (auto variables = value["variables"])
    for (const auto& v : variables) e.variables.emplace_back(v.first.as<std::string>(), v.second.as<std::string>());
  if (auto x = value["backup_extension"]) e.backup_extension = x.as<std::string>();
  if (auto x = value["variable"]) e.variable = x.as<std::string>();
  if (auto x = value["meaning"]) e.meaning = x.as<std::string>();
  if (auto x = value["field"]) e.field = x.as<std::string>();
  if (auto x = value["command"]) e.command = x.as<std::string>();
  return e;
}

std::vector<NamedEntry> section(const YAML::Node& root, const std::string& name) {
  std::vector<NamedEntry> out;
  const auto node = root[name];
  if (!node || !node.IsMap()) defect(name, "missing or not a mapping");
  for (const auto& item : node) out.push_back(entry(name, item.first, item.second));
  return out;
}

Vocabulary load() {
  auto text = resources::find(kResource);
  if (!text) defect("(file)", "not embedded in the binary");
  YAML::Node root;
  try {
    root = YAML::Load(std::string(*text));
  } catch (const YAML::Exception& e) {
    defect("(file)", e.what());
  }
  Vocabulary v;
  try {
    v.tools = section(root, "tools");
    v.migrations = section(root, "migrations");
    for (const auto& m : v.migrations)
      if (m.command.empty()) defect("migrations." + m.id, "needs command");
    v.databases = section(root, "databases");
    v.channels = section(root, "channels");
    v.services = strings(root["services"], "services");
    for (const auto& f : root["fixed"]) v.fixed.emplace_back(f.first.as<std::string>(), f.second.as<std::string>());
  } catch (const YAML::Exception& e) {
    defect("(file)", e.what());
  }
  return v;
}

}  // namespace

const Vocabulary& vocabulary() {
  static const Vocabulary v = load();
  return v;
}

std::string_view vocabulary_text() {
  auto text = resources::find(kResource);
  return text ? *text : std::string_view();
}

bool names(const NamedEntry& entry, const std::vector<std::string>& words) {
  for (const auto& name : entry.named_by) {
    size_t space = name.find(' ');
    if (space == std::string::npos) {
      for (const auto& w : words)
        if (w == name) return true;
      continue;
    }
    std::string_view first = std::string_view(name).substr(0, space);
    std::string_view second = std::string_view(name).substr(space + 1);
    for (size_t i = 0; i + 1 < words.size(); ++i)
      if (words[i] == first && words[i + 1] == second) return true;
  }
  return false;
}

const NamedEntry* first_named(const std::vector<NamedEntry>& list, const std::vector<std::string>& words) {
  for (const auto& e : list)
    if (names(e, words)) return &e;
  return nullptr;
}

const NamedEntry* find_entry(const std::vector<NamedEntry>& list, std::string_view id) {
  for (const auto& e : list)
    if (e.id == id) return &e;
  return nullptr;
}

std::string command_for(const NamedEntry& entry, std::string_view action, const std::unordered_set<std::string>& words,
                        std::string* key) {
  const std::string prefix = std::string(action) + " if ";
  for (const auto& [k, command] : entry.commands)
    if (k.starts_with(prefix) && words.contains(k.substr(prefix.size()))) {
      if (key) *key = k;
      return command;
    }
  auto it = entry.commands.find(std::string(action));
  if (it == entry.commands.end()) return {};
  if (key) *key = it->first;
  return it->second;
}

std::string fixed_command(std::string_view phrase) {
  for (const auto& [p, command] : vocabulary().fixed)
    if (p == phrase) return command;
  return {};
}

}  // namespace arborist::plan::offline
