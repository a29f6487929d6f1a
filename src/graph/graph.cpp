#include "graph/graph.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <unordered_map>

namespace arborist::graph {

namespace {

std::vector<std::string> string_list(const nlohmann::ordered_json& v) {
  std::vector<std::string> out;
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array())
    for (const auto& item : v)
      if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

// Display width of UTF-8 text: one column per character (names are mostly ASCII).
size_t columns(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string repeat(std::string_view piece, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += piece;
  return out;
}

std::string pad(const std::string& s, size_t width) {
  size_t w = columns(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string shorten(const std::string& s, size_t width) {
  if (columns(s) <= width) return s;
  std::string out;
  size_t n = 0;
  for (size_t i = 0; i < s.size() && n + 1 < width; ++i) {
    out += s[i];
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;
  }
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  return out + "…";
}

std::string escape_quoted(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string mermaid_id(const std::string& name, size_t index) {
  std::string id = "s" + std::to_string(index) + "_";
  for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return id;
}

std::string mermaid_label(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '"' ? std::string("#quot;") : std::string(1, c);
  return out;
}

}  // namespace

Graph from_spec(const spec::Spec& spec) {
  Graph g;
  g.name = spec.name;
  for (const auto& s : spec.steps)
    g.nodes.push_back({s.name, s.depends_on,
                       s.ai                       ? Node::Kind::ai
                       : s.preconditions.empty() ? Node::Kind::command
                                                 : Node::Kind::conditional});
  if (!spec.on_failure.empty()) g.handlers.push_back({"on failure", {}, Node::Kind::handler});
  if (!spec.on_success.empty()) g.handlers.push_back({"on success", {}, Node::Kind::handler});
  if (!spec.on_exit.empty()) g.handlers.push_back({"on exit", {}, Node::Kind::handler});
  return g;
}

Graph from_dag(const yaml::Document& document, bool v1) {
  Graph g;
  const auto& root = document.value;
  if (!root.is_object()) return g;
  if (root.contains("name") && root["name"].is_string()) g.name = root["name"].get<std::string>();
  std::vector<std::pair<std::string, const nlohmann::ordered_json*>> steps;
  if (root.contains("steps")) {
    const auto& s = root["steps"];
    if (s.is_array())
      for (size_t i = 0; i < s.size(); ++i) steps.emplace_back("", &s[i]);
    else if (s.is_object())
      for (auto it = s.begin(); it != s.end(); ++it) steps.emplace_back(it.key(), &it.value());
  }
  bool any_depends = false;
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& [key, value] = steps[i];
    Node n;
    if (value->is_string()) {  // 2.x shorthand: a step that is just a command
      n.name = "step " + std::to_string(i + 1);
    } else if (value->is_object()) {
      const auto& s = *value;
      n.name = s.contains("name") && s["name"].is_string() ? s["name"].get<std::string>()
               : !key.empty()                              ? key
               : s.contains("id") && s["id"].is_string()   ? s["id"].get<std::string>()
                                                           : "step " + std::to_string(i + 1);
      for (const char* k : {"depends", "depends_on"})
        if (s.contains(k)) {
          n.depends = string_list(s[k]);
          any_depends = true;
        }
      const std::string type = s.contains("type") && s["type"].is_string() ? s["type"].get<std::string>() : "";
      const std::string action = s.contains("action") && s["action"].is_string() ? s["action"].get<std::string>() : "";
      // An AI step emitted for Dagu 1.x (or one Dagu's chat step cannot make) runs `arborist ask`.
      auto runs_ask = [&s] {
        for (const char* k : {"command", "run", "script"})
          if (s.contains(k) && s[k].is_string() && s[k].get<std::string>().find("arborist ask ") != std::string::npos)
            return true;
        return false;
      };
      if (type == "chat" || action.starts_with("chat.") || s.contains("llm") || s.contains("agent") || runs_ask())
        n.kind = Node::Kind::ai;
      else if (s.contains("preconditions") || s.contains("precondition"))
        n.kind = Node::Kind::conditional;
    }
    g.nodes.push_back(std::move(n));
  }
  // Step ids may be what depends names: map them to names.
  std::unordered_map<std::string, std::string> id_to_name;
  for (size_t i = 0; i < steps.size(); ++i)
    if (steps[i].second->is_object() && steps[i].second->contains("id") && (*steps[i].second)["id"].is_string())
      id_to_name[(*steps[i].second)["id"].get<std::string>()] = g.nodes[i].name;
  for (auto& n : g.nodes)
    for (auto& d : n.depends)
      if (auto it = id_to_name.find(d); it != id_to_name.end()) d = it->second;
  const std::string type = root.contains("type") && root["type"].is_string() ? root["type"].get<std::string>() : "";
  const bool chain = type == "chain" || (type.empty() && !v1 && !any_depends);
  if (chain)
    for (size_t i = 1; i < g.nodes.size(); ++i)
      if (g.nodes[i].depends.empty()) g.nodes[i].depends.push_back(g.nodes[i - 1].name);
  for (const char* key : {"handlerOn", "handler_on"})
    if (root.contains(key) && root[key].is_object())
      for (auto it = root[key].begin(); it != root[key].end(); ++it)
        g.handlers.push_back({"on " + it.key(), {}, Node::Kind::handler});
  return g;
}

Result<std::vector<std::vector<size_t>>> layers(const Graph& graph) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < graph.nodes.size(); ++i) index.emplace(graph.nodes[i].name, i);
  std::vector<std::vector<size_t>> parents(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const auto& d : graph.nodes[i].depends) {
      auto it = index.find(d);
      if (it == index.end())
        return fail(ExitCode::invalid_input, "step '" + graph.nodes[i].name + "' depends on '" + d + "', which is not a step",
                    "arborist validate names every problem of the file");
      parents[i].push_back(it->second);
    }
  // Iterative longest path (Kahn's order), so 100,000 chained steps do not recurse.
  std::vector<size_t> waiting(graph.nodes.size());
  std::vector<std::vector<size_t>> children(graph.nodes.size());
  for (size_t i = 0; i < parents.size(); ++i) {
    waiting[i] = parents[i].size();
    for (size_t p : parents[i]) children[p].push_back(i);
  }
  std::vector<size_t> depth(graph.nodes.size(), 0), ready;
  for (size_t i = 0; i < waiting.size(); ++i)
    if (waiting[i] == 0) ready.push_back(i);
  size_t placed = 0;
  while (!ready.empty()) {
    size_t n = ready.back();
    ready.pop_back();
    ++placed;
    for (size_t c : children[n]) {
      depth[c] = std::max(depth[c], depth[n] + 1);
      if (--waiting[c] == 0) ready.push_back(c);
    }
  }
  if (placed != graph.nodes.size()) {
    std::string stuck;
    for (size_t i = 0; i < waiting.size(); ++i)
      if (waiting[i] > 0) stuck += (stuck.empty() ? "" : ", ") + graph.nodes[i].name;
    return fail(ExitCode::invalid_input, "the steps wait for each other in a cycle: " + shorten(stuck, 200),
                "arborist validate shows the cycle");
  }
  std::vector<std::vector<size_t>> out;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (depth[i] >= out.size()) out.resize(depth[i] + 1);
    out[depth[i]].push_back(i);
  }
  return out;
}

Result<std::string> text(const Graph& graph, const TextStyle& style) {
  auto layered = layers(graph);
  if (!layered) return fail(layered.error());
  const bool u = style.unicode;
  const std::string h = u ? "─" : "-", v = u ? "│" : "|";
  auto paint = [&](const std::string& s, const char* code) {
    return style.color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
  };
  std::string out;
  if (!graph.name.empty()) out += paint(graph.name, "1") + "\n\n";
  const size_t max_cell = static_cast<size_t>(std::max(16, style.width / 2));
  for (size_t li = 0; li < layered->size(); ++li) {
    const auto& layer = (*layered)[li];
    // One cell per step: a box around its name, and under it what it waits for.
    struct Cell {
      std::string name, after;
      Node::Kind kind;
      size_t width;
    };
    std::vector<Cell> cells;
    for (size_t idx : layer) {
      const Node& n = graph.nodes[idx];
      std::string mark = n.kind == Node::Kind::conditional ? "? " : n.kind == Node::Kind::ai ? (u ? "◆ " : "* ") : "";
      std::string name = shorten(mark + n.name, max_cell - 4);
      std::string after;
      if (!n.depends.empty()) {
        for (const auto& d : n.depends) after += (after.empty() ? "" : ", ") + d;
        after = shorten((u ? "↳ " : "<- ") + after, max_cell);
      }
      cells.push_back({name, after, n.kind, std::max(columns(name) + 4, columns(after))});
    }
    // Rows of cells that fit the width.
    size_t start = 0;
    while (start < cells.size()) {
      size_t end = start, used = 0;
      while (end < cells.size() && (end == start || used + 2 + cells[end].width <= static_cast<size_t>(style.width))) {
        used += (end == start ? 0 : 2) + cells[end].width;
        ++end;
      }
      std::string top, mid, bottom, under;
      for (size_t c = start; c < end; ++c) {
        const Cell& cell = cells[c];
        const bool rounded = cell.kind == Node::Kind::conditional;
        const size_t inner = cell.width - 2;
        std::string tl = u ? (rounded ? "╭" : "┌") : "+", tr = u ? (rounded ? "╮" : "┐") : "+";
        std::string bl = u ? (rounded ? "╰" : "└") : "+", br = u ? (rounded ? "╯" : "┘") : "+";
        std::string sep = c == start ? "" : "  ";
        top += sep + tl + repeat(h, inner) + tr;
        bottom += sep + bl + repeat(h, inner) + br;
        const char* colour = cell.kind == Node::Kind::ai ? "35" : cell.kind == Node::Kind::conditional ? "33" : "36";
        mid += sep + v + " " + paint(pad(cell.name, inner - 2), colour) + " " + v;
        under += sep + pad(cell.after, cell.width);
      }
      auto trim_right = [](std::string s) {
        while (!s.empty() && s.back() == ' ') s.pop_back();
        return s;
      };
      out += top + "\n" + mid + "\n" + bottom + "\n";
      if (!trim_right(under).empty()) out += paint(trim_right(under), "2") + "\n";
      start = end;
    }
    if (li + 1 < layered->size()) out += "  " + (u ? std::string("▼") : std::string("v")) + "\n";
  }
  if (!graph.handlers.empty()) {
    std::string line = u ? "┄ handlers: " : ".. handlers: ";
    for (size_t i = 0; i < graph.handlers.size(); ++i) line += (i ? ", " : "") + graph.handlers[i].name;
    out += "\n" + paint(line, "2") + "\n";
  }
  return out;
}

std::string mermaid(const Graph& graph) {
  std::string out = "flowchart TD\n";
  std::unordered_map<std::string, std::string> ids;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    std::string id = mermaid_id(n.name, i);
    ids.emplace(n.name, id);
    const std::string label = mermaid_label(n.name);
    switch (n.kind) {
      case Node::Kind::conditional: out += "  " + id + "{\"" + label + "\"}\n"; break;
      case Node::Kind::ai: out += "  " + id + "[/\"" + label + "\"/]\n"; break;
      default: out += "  " + id + "[\"" + label + "\"]\n";
    }
  }
  for (const auto& n : graph.nodes)
    for (const auto& d : n.depends)
      if (ids.count(d)) out += "  " + ids[d] + " --> " + ids[n.name] + "\n";
  if (!graph.handlers.empty()) {
    out += "  subgraph handlers\n";
    for (size_t i = 0; i < graph.handlers.size(); ++i)
      out += "    h" + std::to_string(i) + "([\"" + mermaid_label(graph.handlers[i].name) + "\"])\n";
    out += "  end\n";
  }
  return out;
}

std::string dot(const Graph& graph) {
  std::string out = "digraph \"" + escape_quoted(graph.name.empty() ? "workflow" : graph.name) + "\" {\n";
  out += "  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n";
  for (const auto& n : graph.nodes) {
    out += "  \"" + escape_quoted(n.name) + "\"";
    if (n.kind == Node::Kind::conditional) out += " [shape=diamond]";
    if (n.kind == Node::Kind::ai) out += " [shape=parallelogram, style=\"rounded,filled\", fillcolor=\"#f3e8ff\"]";
    out += ";\n";
  }
  for (const auto& n : graph.nodes)
    for (const auto& d : n.depends) out += "  \"" + escape_quoted(d) + "\" -> \"" + escape_quoted(n.name) + "\";\n";
  if (!graph.handlers.empty()) {
    out += "  subgraph cluster_handlers {\n    label=\"handlers\"; style=dashed;\n";
    for (const auto& h : graph.handlers) out += "    \"" + escape_quoted(h.name) + "\" [shape=note];\n";
    out += "  }\n";
  }
  return out + "}\n";
}

Result<std::string> render(const std::string& dot_text, const std::string& format) {
  // Graphviz's C API, looked up at run time so arborist neither links nor needs it unless a
  // picture is asked for.
  using Context = void;
  using AGraph = void;
  struct Api {
    void* gvc = nullptr;
    void* cgraph = nullptr;
    Context* (*gvContext)() = nullptr;
    AGraph* (*agmemread)(const char*) = nullptr;
    int (*gvLayout)(Context*, AGraph*, const char*) = nullptr;
    int (*gvRenderData)(Context*, AGraph*, const char*, char**, unsigned int*) = nullptr;
    void (*gvFreeRenderData)(char*) = nullptr;
    int (*gvFreeLayout)(Context*, AGraph*) = nullptr;
    int (*agclose)(AGraph*) = nullptr;
    int (*gvFreeContext)(Context*) = nullptr;
  };
  static const Api api = [] {
    Api a;
    for (const char* name : {"libcgraph.so.6", "libcgraph.so"})
      if ((a.cgraph = ::dlopen(name, RTLD_NOW | RTLD_GLOBAL))) break;
    for (const char* name : {"libgvc.so.6", "libgvc.so"})
      if ((a.gvc = ::dlopen(name, RTLD_NOW | RTLD_GLOBAL))) break;
    if (!a.gvc || !a.cgraph) return a;
    auto sym = [](void* lib, const char* name) { return ::dlsym(lib, name); };
    a.gvContext = reinterpret_cast<decltype(a.gvContext)>(sym(a.gvc, "gvContext"));
    a.gvLayout = reinterpret_cast<decltype(a.gvLayout)>(sym(a.gvc, "gvLayout"));
    a.gvRenderData = reinterpret_cast<decltype(a.gvRenderData)>(sym(a.gvc, "gvRenderData"));
    a.gvFreeRenderData = reinterpret_cast<decltype(a.gvFreeRenderData)>(sym(a.gvc, "gvFreeRenderData"));
    a.gvFreeLayout = reinterpret_cast<decltype(a.gvFreeLayout)>(sym(a.gvc, "gvFreeLayout"));
    a.gvFreeContext = reinterpret_cast<decltype(a.gvFreeContext)>(sym(a.gvc, "gvFreeContext"));
    a.agmemread = reinterpret_cast<decltype(a.agmemread)>(sym(a.cgraph, "agmemread"));
    a.agclose = reinterpret_cast<decltype(a.agclose)>(sym(a.cgraph, "agclose"));
    return a;
  }();
  if (!api.gvContext || !api.agmemread || !api.gvLayout || !api.gvRenderData || !api.agclose)
    return fail(ExitCode::io, "--format " + format + " needs Graphviz's library (libgvc), which is not installed",
                "install it (Debian: apt-get install libgvc6), or use --format dot / mermaid and render elsewhere");
  Context* context = api.gvContext();
  AGraph* g = api.agmemread(dot_text.c_str());
  if (!context || !g) return fail(ExitCode::internal, "Graphviz could not read the graph arborist wrote");
  std::string result;
  bool ok = api.gvLayout(context, g, "dot") == 0;
  char* data = nullptr;
  unsigned int length = 0;
  const std::string device = format == "png" ? "png" : "svg";
  if (ok) ok = api.gvRenderData(context, g, device.c_str(), &data, &length) == 0 && data;
  if (ok) result.assign(data, length);
  if (data && api.gvFreeRenderData) api.gvFreeRenderData(data);
  if (api.gvFreeLayout) api.gvFreeLayout(context, g);
  api.agclose(g);
  if (api.gvFreeContext) api.gvFreeContext(context);
  if (!ok)
    return fail(ExitCode::io, "Graphviz could not render " + device + " (its layout or " + device +
                                  " plugin may be missing)",
                "install Graphviz's plugins (Debian: apt-get install libgvc6 graphviz), or use --format dot");
  return result;
}

}  // namespace arborist::graph
