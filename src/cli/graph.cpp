// arborist graph FILE [--format text|mermaid|dot|svg|png] [-o F] [--ascii]
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "core/yaml.hpp"
#include "dagu/check.hpp"
#include "dagu/family.hpp"
#include "graph/explain.hpp"
#include "graph/graph.hpp"
#include "spec/io.hpp"

namespace arborist::cli {

namespace {

struct GraphArgs {
  std::string file;
  std::string format = "text";
  std::string output;
  bool ascii = false;
  int width = 0;
};

bool stdout_colour() {
  const char* no_color = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) == 1 && !(no_color && *no_color);
}

Result<void> run_graph(const GraphArgs& args, const GlobalOptions& global) {
  static const std::vector<std::string> formats = {"text", "mermaid", "dot", "svg", "png"};
  if (std::find(formats.begin(), formats.end(), args.format) == formats.end())
    return fail(ExitCode::usage, "--format " + args.format + " is not a format",
                "use text, mermaid, dot, svg or png");
  if (args.format == "png" && args.output.empty() && ::isatty(STDOUT_FILENO) == 1)
    return fail(ExitCode::usage, "a PNG is not for the terminal", "write it to a file: -o plan.png");
  auto plan = graph::load_plan(args.file);
  if (!plan) return fail(plan.error());
  const graph::Graph* g = &plan->graph;
  std::string out;
  if (args.format == "text") {
    graph::TextStyle style;
    style.unicode = !args.ascii;
    style.color = args.output.empty() && stdout_colour();
    if (args.width > 0) {
      style.width = args.width;
    } else if (const char* cols = std::getenv("COLUMNS"); cols && std::atoi(cols) > 20) {
      style.width = std::atoi(cols);
    }
    auto drawn = graph::text(*g, style);
    if (!drawn) return fail(drawn.error());
    out = std::move(*drawn);
  } else {
    if (auto layered = graph::layers(*g); !layered) return fail(layered.error());  // cycles, unknown steps
    if (args.format == "mermaid") {
      out = graph::mermaid(*g);
    } else {
      out = graph::dot(*g);
      if (args.format == "svg" || args.format == "png") {
        auto rendered = graph::render(out, args.format);
        if (!rendered) return fail(rendered.error());
        out = std::move(*rendered);
      }
    }
  }
  if (!args.output.empty()) {
    if (auto w = write_file_atomically(args.output, out); !w) return w;
    if (!global.quiet)
      print_notice("wrote " + args.output + " (" + std::to_string(g->nodes.size()) + " steps, " + args.format + ")");
  } else {
    write_stdout(out);
  }
  return {};
}

}  // namespace

void add_graph_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto args = std::make_shared<GraphArgs>();
  auto* sub = app.add_subcommand("graph", "Draw a spec's or a Dagu DAG's steps: layers top to bottom, parallel steps side by side");
  sub->add_option("file", args->file, "A spec or a Dagu DAG file ('-' reads standard input)")->required();
  sub->add_option("-f,--format", args->format, "text (default), mermaid, dot, svg or png (svg/png need Graphviz's libgvc)");
  sub->add_option("-o,--output", args->output, "Write here (atomically) instead of stdout");
  sub->add_flag("--ascii", args->ascii, "Plain ASCII instead of box-drawing characters");
  sub->add_option("--width", args->width, "Wrap a wide layer at this many columns (default: $COLUMNS, else 100)");
  sub->callback([&command, &global, args] {
    command.action = [&global, args]() -> Result<void> { return run_graph(*args, global); };
  });
}

}  // namespace arborist::cli
