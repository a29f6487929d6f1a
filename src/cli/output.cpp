#include "cli/output.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace arborist::cli {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

bool color_enabled() {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return stderr_is_terminal();
}

static void write_err(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stderr); }

static std::string colorize(const std::string& line) {
  if (!color_enabled()) return line;
  // Colour the severity word only; the rest stays plain for copy/paste.
  std::string out = line;
  for (auto [word, code] : {std::pair{"error:", "\033[1;31m"}, std::pair{"warning:", "\033[1;33m"}}) {
    auto pos = out.find(word);
    if (pos != std::string::npos) {
      out.insert(pos + std::string_view(word).size(), "\033[0m");
      out.insert(pos, code);
      break;
    }
  }
  return out;
}

void print_problems(const std::vector<Problem>& problems) {
  for (const auto& p : problems) write_err(colorize(format_problem(p)) + "\n");
}

void print_error(const Error& error) {
  std::string head;
  if (!error.where.file.empty()) {
    head += error.where.file;
    if (error.where.line > 0) head += ":" + std::to_string(error.where.line);
    if (error.where.column > 0) head += ":" + std::to_string(error.where.column);
    head += ": ";
  } else {
    head = "arborist: ";
  }
  write_err(colorize(head + "error: " + error.message) + "\n");
  print_problems(error.problems);
  if (!error.hint.empty()) write_err("  hint: " + error.hint + "\n");
}

void print_notice(std::string_view message) { write_err("arborist: " + std::string(message) + "\n"); }

namespace {
bool stdout_used = false;
}  // namespace

bool wrote_stdout() { return stdout_used; }

nlohmann::ordered_json problem_json(const Problem& p, bool with_file) {
  nlohmann::ordered_json j = {{"severity", p.severity == Severity::error ? "error" : "warning"},
                              {"message", p.message}};
  if (with_file) j["file"] = p.where.file;
  j["line"] = p.where.line;
  j["column"] = p.where.column;
  j["pointer"] = p.where.key;
  j["step"] = p.where.step;
  j["hint"] = p.hint;
  if (!p.rule.empty()) j["rule"] = p.rule;
  return j;
}

std::string error_json(const Error& error) {
  nlohmann::ordered_json where = nullptr;
  if (!error.where.file.empty() || !error.where.key.empty())
    where = {{"file", error.where.file}, {"line", error.where.line}, {"column", error.where.column},
             {"pointer", error.where.key}};
  nlohmann::ordered_json problems = nlohmann::ordered_json::array();
  for (const auto& p : error.problems) problems.push_back(problem_json(p, /*with_file=*/true));
  nlohmann::ordered_json j = {{"error",
                               {{"code", static_cast<int>(error.code)},
                                {"message", error.message},
                                {"hint", error.hint.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(error.hint)},
                                {"where", where},
                                {"problems", problems}}}};
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

void write_stdout(std::string_view data) {
  stdout_used = true;
  std::fwrite(data.data(), 1, data.size(), stdout);
  std::fflush(stdout);
}

}  // namespace arborist::cli
