#pragma once
// ${NAME} references in a spec's commands, and how the spec declares them (issue 10, item 7).
// Dagu 1.30.2 gives a step only a few variables of the environment it runs in (PATH, HOME,
// LANG, SHELL, TERM, PWD and its own DAG_*), so a command's ${DATABASE_URL} is empty unless
// the DAG's `env` imports it: `DATABASE_URL: ${DATABASE_URL}`. That entry is the declaration
// — it holds no value, only where the value comes from — and the emitter guards every step
// that reads such a variable so an unset or empty one stops the run with its name.
#include <string>
#include <string_view>
#include <vector>

#include "spec/model.hpp"

namespace arborist::spec {

// The ${NAME} references in shell text, in order of first use, each once. `${NAME:-x}`
// (it has a default), `${id.stdout}` and `${1}` are not references to a variable to declare.
std::vector<std::string> variable_references(std::string_view shell);

// The variables a shell body reads from its environment: every ${NAME} as above, and bare
// $NAME of ALL-CAPS names (lower-case bare names are the shell's locals), outside single quotes.
std::vector<std::string> environment_references(std::string_view shell);
// Variables Dagu 1.30.2 gives every step (PATH, HOME, LANG, SHELL, TERM, PWD, DAG_* …).
bool given_by_dagu(std::string_view name);
// Variables the shell sets itself (RANDOM, SECONDS, UID, BASH_* …).
bool set_by_shell(std::string_view name);

// The env entry that imports NAME from the environment the workflow runs in.
EnvVar from_environment(const std::string& name);
// Whether an env entry is such an import ("NAME: ${NAME}" or "NAME: $NAME").
bool imports_from_environment(const EnvVar& var);

// Variables the steps and handlers read (${NAME}, or $NAME in capitals) that nothing declares: not in the spec's or
// the step's env or params, not a step's output, not set inside the same command (NAME=…,
// `for NAME in`), and not one Dagu gives every step. In order of first use.
std::vector<std::string> undeclared_variables(const Spec& spec);

// The variables a run must be given: the spec's env entries that import from the environment.
// Parameters are not: an empty default (`TAG: ""`) may be meant (docs/dagu.md).
std::vector<std::string> required_variables(const Spec& spec);

// Which of `names` a shell body reads (as ${NAME} or $NAME), in the order of `names`.
std::vector<std::string> variables_read(std::string_view shell, const std::vector<std::string>& names);

}  // namespace arborist::spec
