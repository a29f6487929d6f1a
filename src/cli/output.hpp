#pragma once
// Diagnostics on stderr (coloured only on a terminal without NO_COLOR); data on stdout.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace arborist::cli {

bool stderr_is_terminal();
bool color_enabled();  // stderr is a terminal and NO_COLOR is unset or empty

void print_error(const Error& error);
// One problem for --json: severity, message, [file,] line, column, pointer, step, hint.
nlohmann::ordered_json problem_json(const Problem& problem, bool with_file);
// An error as a JSON object for --json ({"error": {code, message, hint, where, problems}}).
std::string error_json(const Error& error);
// Whether anything was written to stdout (a command's own --json report already said it).
bool wrote_stdout();
void print_problems(const std::vector<Problem>& problems);
void print_notice(std::string_view message);  // "arborist: message" on stderr
void write_stdout(std::string_view data);

}  // namespace arborist::cli
