#pragma once
// Pictures of a plan (issue 14, `arborist graph`): the steps of a spec or a Dagu DAG as layers
// (a step sits one layer below the deepest step it waits for), drawn as text for a terminal,
// or written as Mermaid or Graphviz dot; SVG and PNG are rendered by Graphviz's own library,
// loaded only when asked for (like libcurl), with a clear message when it is not installed.
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/yaml.hpp"
#include "spec/model.hpp"

namespace arborist::graph {

struct Node {
  enum class Kind { command, conditional, ai, handler };
  std::string name;
  std::vector<std::string> depends;
  Kind kind = Kind::command;
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;     // in file order
  std::vector<Node> handlers;  // on failure / success / exit: drawn apart, no edges
};

Graph from_spec(const spec::Spec& spec);
// A Dagu DAG (any family): `depends`/`depends_on`, `type: chain` (and 2.x's default chain
// when no step names a dependency), chat steps as AI, preconditions as conditional,
// handlerOn as handlers.
Graph from_dag(const yaml::Document& document, bool v1);

// Layers by longest path: layer 0 holds the steps that wait for nothing. Fails
// (ExitCode::invalid_input) on a cycle or an unknown dependency, naming them.
Result<std::vector<std::vector<size_t>>> layers(const Graph& graph);

struct TextStyle {
  bool unicode = true;  // box-drawing characters; false: plain ASCII
  bool color = false;   // ANSI colours (a terminal without NO_COLOR)
  int width = 100;      // wrap a wide layer at this many columns
};
Result<std::string> text(const Graph& graph, const TextStyle& style);
std::string mermaid(const Graph& graph);
std::string dot(const Graph& graph);

// SVG or PNG of the dot text through libgvc (Graphviz), dlopened on first use. Fails with
// ExitCode::io naming the package to install when the library is missing.
Result<std::string> render(const std::string& dot_text, const std::string& format);

}  // namespace arborist::graph
