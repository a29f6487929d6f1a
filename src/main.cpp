// The thin entry point: all behaviour lives in the core library (src/cli/app.cpp).
#include "cli/app.hpp"

int main(int argc, char** argv) { return arborist::cli::run(argc, argv); }
