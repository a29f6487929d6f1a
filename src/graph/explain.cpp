#include "graph/explain.hpp"

#include <algorithm>
#include <ctime>
#include <set>
#include <unordered_map>

#include "core/atomic_file.hpp"
#include "core/cron.hpp"
#include "dagu/check.hpp"
#include "dagu/family.hpp"
#include "spec/io.hpp"
#include "spec/variables.hpp"

namespace arborist::graph {

namespace {

std::optional<long> seconds_of(const nlohmann::ordered_json& v) {
  if (v.is_number_integer()) return v.get<long>();
  return std::nullopt;
}

// Words a step's commands mention: files, and $VARs.
std::set<std::string> words_of(const std::vector<std::string>& commands) {
  std::set<std::string> out;
  for (const auto& c : commands) {
    std::string word;
    for (char ch : c + " ") {
      if (std::isspace(static_cast<unsigned char>(ch)) || ch == '"' || ch == '\'' || ch == ';' || ch == '|' ||
          ch == '>' || ch == '<' || ch == '(' || ch == ')' || ch == '=') {
        if (word.size() > 1) out.insert(word);
        word.clear();
      } else {
        word += ch;
      }
    }
  }
  return out;
}

}  // namespace

Plan plan_of(const spec::Spec& spec) {
  Plan p;
  p.graph = from_spec(spec);
  for (const auto& s : spec.steps) {
    StepFacts f;
    if (s.timeout) f.timeout_seconds = *s.timeout;
    f.output = s.output;
    if (!s.command.empty()) f.commands.push_back(s.command);
    if (!s.script.empty()) f.commands.push_back(s.script);
    p.facts.push_back(std::move(f));
  }
  if (!spec.schedule.empty()) p.schedules.push_back(spec.schedule);
  for (const auto& e : spec.env) p.env.push_back(e.name);
  p.required = spec::required_variables(spec);
  for (const auto& param : spec.params) p.params.push_back(param.name);
  return p;
}

Plan plan_of(const yaml::Document& dag, bool v1) {
  Plan p;
  p.graph = from_dag(dag, v1);
  const auto& root = dag.value;
  std::vector<const nlohmann::ordered_json*> steps;
  if (root.is_object() && root.contains("steps")) {
    const auto& s = root["steps"];
    if (s.is_array())
      for (const auto& item : s) steps.push_back(&item);
    else if (s.is_object())
      for (auto it = s.begin(); it != s.end(); ++it) steps.push_back(&it.value());
  }
  for (const auto* s : steps) {
    StepFacts f;
    if (s->is_object()) {
      for (const char* k : {"timeoutSec", "timeout_sec", "timeout"})
        if (s->contains(k))
          if (auto v = seconds_of((*s)[k])) f.timeout_seconds = v;
      if (s->contains("output") && (*s)["output"].is_string()) f.output = (*s)["output"].get<std::string>();
      for (const char* k : {"command", "script", "run"})
        if (s->contains(k) && (*s)[k].is_string()) f.commands.push_back((*s)[k].get<std::string>());
    } else if (s->is_string()) {
      f.commands.push_back(s->get<std::string>());
    }
    p.facts.push_back(std::move(f));
  }
  if (root.is_object() && root.contains("schedule")) {
    const auto& sch = root["schedule"];
    if (sch.is_string()) p.schedules.push_back(sch.get<std::string>());
    if (sch.is_array())
      for (const auto& e : sch)
        if (e.is_string()) p.schedules.push_back(e.get<std::string>());
    if (sch.is_object() && sch.contains("start")) {
      const auto& start = sch["start"];
      if (start.is_string()) p.schedules.push_back(start.get<std::string>());
      if (start.is_array())
        for (const auto& e : start)
          if (e.is_string()) p.schedules.push_back(e.get<std::string>());
    }
  }
  auto names_of = [](const nlohmann::ordered_json& v, std::vector<std::string>& out) {
    if (v.is_object())
      for (auto it = v.begin(); it != v.end(); ++it) out.push_back(it.key());
    if (v.is_array())
      for (const auto& item : v) {
        if (item.is_object())
          for (auto it = item.begin(); it != item.end(); ++it) out.push_back(it.key());
        if (item.is_string()) out.push_back(item.get<std::string>().substr(0, item.get<std::string>().find('=')));
      }
  };
  if (root.is_object() && root.contains("env")) {
    names_of(root["env"], p.env);
    const auto& env = root["env"];
    auto imports = [&](const std::string& name, const nlohmann::ordered_json& value) {
      if (value.is_string() && (value == "${" + name + "}" || value == "$" + name)) p.required.push_back(name);
    };
    if (env.is_object())
      for (auto it = env.begin(); it != env.end(); ++it) imports(it.key(), it.value());
    if (env.is_array())
      for (const auto& item : env)
        if (item.is_object())
          for (auto it = item.begin(); it != item.end(); ++it) imports(it.key(), it.value());
  }
  if (root.is_object() && root.contains("params")) {
    const auto& params = root["params"];
    if (params.is_string()) {
      std::string text = params.get<std::string>();
      for (size_t start = 0; start < text.size();) {
        size_t end = text.find(' ', start);
        std::string word = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (auto eq = word.find('='); eq != std::string::npos && eq > 0) p.params.push_back(word.substr(0, eq));
        if (end == std::string::npos) break;
        start = end + 1;
      }
    } else {
      names_of(params, p.params);
    }
  }
  return p;
}

Result<Plan> load_plan(const std::string& path) {
  auto text = read_file(path == "-" ? std::string("/dev/stdin") : path);
  if (!text) return fail(text.error());
  auto docs = yaml::parse(*text, path);
  if (!docs) return fail(docs.error());
  if (docs->empty()) return fail(ExitCode::invalid_input, path + " is empty", "give a spec or a Dagu DAG file");
  if (dagu::looks_like_dag(docs->front().value))
    return plan_of(docs->front(), dagu::detect_family(*docs, dagu::header_family(*text)).family == dagu::Family::v1);
  auto spec = spec::spec_from_document(docs->front(), path);
  if (!spec) return fail(spec.error());
  return plan_of(*spec);
}

Result<Explanation> explain(const Plan& plan, long long now) {
  const Graph& g = plan.graph;
  auto layered = layers(g);
  if (!layered) return fail(layered.error());
  Explanation e;
  e.steps = g.nodes.size();
  for (const auto& n : g.nodes) e.edges += n.depends.size();
  e.depth = layered->size();
  for (const auto& layer : *layered)
    if (layer.size() > e.widest_layer.size()) {
      e.widest_layer.clear();
      for (size_t i : layer) e.widest_layer.push_back(g.nodes[i].name);
    }
  if (e.widest_layer.size() < 2) e.widest_layer.clear();  // nothing runs in parallel

  // The critical path: by step timeouts where given, then by step count — the longest known
  // time first, and among paths as long, the one with more steps (a step with no timeout
  // takes an unknown time, not none).
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < g.nodes.size(); ++i) index.emplace(g.nodes[i].name, i);
  auto timeout_of = [&](size_t i) -> std::optional<long> {
    if (i >= plan.facts.size() || !plan.facts[i].timeout_seconds) return std::nullopt;
    return *plan.facts[i].timeout_seconds;
  };
  bool any_timeout = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) any_timeout = any_timeout || timeout_of(i).has_value();
  using Weight = std::pair<long, long>;  // (seconds of the timeouts given, steps)
  std::vector<Weight> best(g.nodes.size(), Weight{0, 0});
  std::vector<long> from(g.nodes.size(), -1);
  for (const auto& layer : *layered)
    for (size_t i : layer) {
      const Weight own{timeout_of(i).value_or(0), 1};
      best[i] = own;
      for (const auto& d : g.nodes[i].depends) {
        size_t p = index.at(d);
        const Weight through{best[p].first + own.first, best[p].second + own.second};
        if (through > best[i]) {
          best[i] = through;
          from[i] = static_cast<long>(p);
        }
      }
    }
  if (!g.nodes.empty()) {
    long end = static_cast<long>(std::max_element(best.begin(), best.end()) - best.begin());
    for (long at = end; at >= 0; at = from[static_cast<size_t>(at)]) {
      e.critical_path.push_back(g.nodes[static_cast<size_t>(at)].name);
      if (!timeout_of(static_cast<size_t>(at))) ++e.critical_untimed;
    }
    std::reverse(e.critical_path.begin(), e.critical_path.end());
    e.critical_by_timeouts = any_timeout;
    if (any_timeout) e.critical_seconds = best[static_cast<size_t>(end)].first;
  }

  // Chained steps that pass nothing: b waits for a, yet reads no output variable of a and no
  // word (file) a's commands write or name. They may only need a's side effects — or not.
  for (size_t b = 0; b < g.nodes.size(); ++b) {
    if (b >= plan.facts.size()) break;
    auto b_words = words_of(plan.facts[b].commands);
    for (const auto& d : g.nodes[b].depends) {
      size_t a = index.at(d);
      const auto& fa = plan.facts[a];
      bool uses_output = !fa.output.empty() && (b_words.count("$" + fa.output) || b_words.count("${" + fa.output + "}"));
      for (const auto& c : plan.facts[b].commands)
        if (!fa.output.empty() && c.find(fa.output) != std::string::npos) uses_output = true;
      bool shares_file = false;
      for (const auto& w : words_of(fa.commands))
        if ((w.find('/') != std::string::npos || w.find('.') != std::string::npos) && b_words.count(w)) shares_file = true;
      if (!uses_output && !shares_file && !fa.commands.empty() && !plan.facts[b].commands.empty())
        e.loose.push_back({g.nodes[b].name, g.nodes[a].name});
    }
  }
  for (const auto& h : g.handlers) e.handlers.push_back(h.name);
  for (const auto& expression : plan.schedules) {
    Explanation::Schedule s{expression, "not a schedule Dagu reads", {}};
    if (auto parsed = parse_cron(expression)) {
      s.words = describe_cron(*parsed);
      for (long long t : next_runs(*parsed, now, 3)) s.next.push_back(zoned_time_text(t, parsed->zone));
    }
    e.schedules.push_back(std::move(s));
  }
  e.env = plan.env;
  e.required = plan.required;
  e.params = plan.params;
  return e;
}

}  // namespace arborist::graph
