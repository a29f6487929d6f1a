// `arborist graph` (src/graph/graph.cpp): layers by longest path, DAG semantics (2.x chains,
// ids in depends, handlers, chat steps), the text drawing, Mermaid and dot, and SVG through
// Graphviz's library when it is installed (a clear exit 7 when it is not).
#include <dlfcn.h>
#include <catch2/catch.hpp>

#include "core/yaml.hpp"
#include "graph/graph.hpp"
#include "support.hpp"

using namespace arborist;

namespace {

graph::Graph dag(const std::string& text, bool v1 = false) {
  auto docs = yaml::parse(text, "dag.yaml");
  REQUIRE(docs);
  return graph::from_dag(docs->front(), v1);
}

}  // namespace

TEST_CASE("graph: layers by longest path; cycles and unknown steps are errors", "[graph]") {
  graph::Graph g;
  g.nodes = {{"a", {}}, {"b", {"a"}}, {"c", {"a"}}, {"d", {"b", "c"}}, {"e", {"a", "d"}}};
  auto layers = graph::layers(g);
  REQUIRE(layers);
  REQUIRE(layers->size() == 4);
  CHECK((*layers)[1] == std::vector<size_t>{1, 2});
  CHECK((*layers)[3] == std::vector<size_t>{4});

  graph::Graph cycle;
  cycle.nodes = {{"a", {"c"}}, {"b", {"a"}}, {"c", {"b"}}, {"d", {}}};
  auto bad = graph::layers(cycle);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("cycle: a, b, c") != std::string::npos);
  graph::Graph unknown;
  unknown.nodes = {{"a", {"nope"}}};
  CHECK(graph::layers(unknown).error().message.find("'nope', which is not a step") != std::string::npos);

  // 100,000 chained steps: no recursion.
  graph::Graph chain;
  for (int i = 0; i < 100000; ++i)
    chain.nodes.push_back({"s" + std::to_string(i), i ? std::vector<std::string>{"s" + std::to_string(i - 1)}
                                                      : std::vector<std::string>{}});
  CHECK(graph::layers(chain)->size() == 100000);
}

TEST_CASE("graph: a Dagu DAG's own semantics", "[graph]") {
  // 2.x without depends: a chain. 1.x: all in parallel.
  auto chained = dag("steps:\n  - name: a\n    command: x\n  - name: b\n    command: y\n");
  CHECK(chained.nodes[1].depends == std::vector<std::string>{"a"});
  auto parallel = dag("steps:\n  - name: a\n    command: x\n  - name: b\n    command: y\n", /*v1=*/true);
  CHECK(parallel.nodes[1].depends.empty());
  auto graph_type = dag("type: graph\nsteps:\n  - name: a\n    command: x\n  - name: b\n    command: y\n");
  CHECK(graph_type.nodes[1].depends.empty());
  // depends by id, a chat step, a precondition, handlers.
  auto rich = dag(
      "type: graph\nhandlerOn:\n  failure:\n    command: notify\nsteps:\n"
      "  - name: Load data\n    id: load\n    command: x\n"
      "  - name: summarise\n    type: chat\n    depends: [load]\n"
      "  - name: maybe\n    preconditions: [{condition: 'test -f x'}]\n    command: y\n    depends: load\n");
  CHECK(rich.nodes[1].depends == std::vector<std::string>{"Load data"});
  CHECK(rich.nodes[1].kind == graph::Node::Kind::ai);
  CHECK(rich.nodes[2].kind == graph::Node::Kind::conditional);
  REQUIRE(rich.handlers.size() == 1);
  CHECK(rich.handlers[0].name == "on failure");
}

TEST_CASE("graph: text, Mermaid and dot", "[graph]") {
  graph::Graph g;
  g.name = "nightly";
  g.nodes = {{"backup", {}}, {"vacuum", {"backup"}}, {"reindex", {"backup"}}, {"report \"daily\"", {"vacuum", "reindex"}}};
  g.nodes[2].kind = graph::Node::Kind::conditional;
  g.handlers = {{"on failure", {}, graph::Node::Kind::handler}};
  graph::TextStyle style;
  auto text = graph::text(g, style);
  REQUIRE(text);
  CHECK(text->find("┐  ╭") != std::string::npos);  // side by side; the conditional one rounded
  CHECK(text->find("│ ? reindex") != std::string::npos);
  CHECK(text->find("↳ vacuum, reindex") != std::string::npos);
  CHECK(text->find("handlers: on failure") != std::string::npos);
  CHECK(text->find("\033[") == std::string::npos);  // no colour unless asked
  style.unicode = false;
  auto ascii = graph::text(g, style);
  REQUIRE(ascii);
  for (unsigned char c : *ascii) CHECK(c < 0x80);
  style.width = 20;  // narrow: the parallel pair wraps onto two rows
  auto narrow = graph::text(g, style);
  CHECK(narrow->find("+  +") == std::string::npos);  // no two boxes on one row

  auto m = graph::mermaid(g);
  CHECK(m.starts_with("flowchart TD\n"));
  CHECK(m.find("s0_backup --> s1_vacuum") != std::string::npos);
  CHECK(m.find("s2_reindex{\"reindex\"}") != std::string::npos);
  CHECK(m.find("#quot;daily#quot;") != std::string::npos);
  auto d = graph::dot(g);
  CHECK(d.find("\"backup\" -> \"vacuum\";") != std::string::npos);
  CHECK(d.find("\"report \\\"daily\\\"\"") != std::string::npos);
  CHECK(d.find("subgraph cluster_handlers") != std::string::npos);
}

TEST_CASE("arborist graph: a spec and a DAG, formats, and SVG through Graphviz or a clear message", "[graph]") {
  arborist::test::TempDir dir;
  auto made = arborist::test::run_arborist(
      {"spec", "back up the db, then vacuum it and rebuild the index in parallel, then email the report", "-o",
       "spec.yaml", "-q"},
      {}, dir.path());
  REQUIRE(made.exit_code == 0);
  REQUIRE(arborist::test::run_arborist({"dagu", "spec.yaml", "-o", "nightly.yaml", "-q"}, {}, dir.path()).exit_code == 0);
  for (const char* file : {"spec.yaml", "nightly.yaml"}) {
    auto r = arborist::test::run_arborist({"graph", file}, {}, dir.path());
    INFO(file << "\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("backup-db") != std::string::npos);
    CHECK(r.out.find("\033[") == std::string::npos);  // a pipe gets no colour
  }
  auto mermaid = arborist::test::run_arborist({"graph", "-f", "mermaid", "spec.yaml", "-o", "g.mmd"}, {}, dir.path());
  CHECK(mermaid.exit_code == 0);
  CHECK(arborist::test::read_text(dir / "g.mmd").starts_with("flowchart TD"));
  CHECK(arborist::test::run_arborist({"graph", "-f", "jpeg", "spec.yaml"}, {}, dir.path()).exit_code == 2);
  auto svg = arborist::test::run_arborist({"graph", "-f", "svg", "spec.yaml", "-o", "g.svg"}, {}, dir.path());
  // .ci/deps installs Graphviz's library: where it is present the picture must really render.
  void* gvc = ::dlopen("libgvc.so.6", RTLD_NOW);
  if (gvc) {
    ::dlclose(gvc);
    INFO(svg.err);
    REQUIRE(svg.exit_code == 0);
    const std::string picture = arborist::test::read_text(dir / "g.svg");
    CHECK(picture.find("<svg") != std::string::npos);
    CHECK(picture.find("vacuum") != std::string::npos);  // (Graphviz writes "-" as &#45;)
    auto png = arborist::test::run_arborist({"graph", "-f", "png", "spec.yaml", "-o", "g.png"}, {}, dir.path());
    REQUIRE(png.exit_code == 0);
    CHECK(arborist::test::read_text(dir / "g.png").starts_with("\x89PNG"));
  } else {
    CHECK(svg.exit_code == 7);
    CHECK(svg.err.find("needs Graphviz's library (libgvc)") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "g.svg"));
  }
  dir.write("cycle.yaml", "type: graph\nsteps:\n  - name: a\n    command: x\n    depends: [b]\n  - name: b\n    command: y\n    depends: [a]\n");
  auto cycle = arborist::test::run_arborist({"graph", "cycle.yaml"}, {}, dir.path());
  CHECK(cycle.exit_code == 3);
}

TEST_CASE("graph: golden drawings of a known plan (box drawing, ASCII, Mermaid, dot)", "[graph]") {
  // tests/fixtures/graph/nightly.yaml: a fan-out and fan-in, a conditional step, an AI step and a
  // handler. After a deliberate change to the drawing, regenerate the files with the commands in
  // the failure message and review the diff.
  const auto dir = arborist::test::source_dir() / "tests" / "fixtures" / "graph";
  const auto spec = (dir / "nightly.yaml").string();
  struct Golden {
    std::vector<std::string> args;
    const char* file;
  };
  const std::vector<Golden> goldens = {
      {{"graph", spec}, "nightly.txt"},
      {{"graph", "--ascii", spec}, "nightly.ascii.txt"},
      {{"graph", "--format", "mermaid", spec}, "nightly.mmd"},
      {{"graph", "--format", "dot", spec}, "nightly.dot"},
  };
  auto env = arborist::test::env_without_machine_settings();
  env["NO_COLOR"] = "1";
  for (const auto& g : goldens) {
    auto r = arborist::test::run_arborist(g.args, "", dir, env);
    INFO("arborist " << g.args[0] << " … > tests/fixtures/graph/" << g.file << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == arborist::test::read_text(dir / g.file));
  }
}
