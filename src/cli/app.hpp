#pragma once
// Builds the command line (CLI11), dispatches to one file per subcommand, and is
// the one place where exceptions are caught and errors become exit codes.
namespace arborist::cli {

int run(int argc, char** argv);

}  // namespace arborist::cli
