// The test binary's main: Catch2's, after setting the environment every test and every
// process it starts shares. (Not ctest's per-test ENVIRONMENT property: catch_discover_tests
// loses a test's properties when its name holds a comma or a semicolon, as many names do.)
#define CATCH_CONFIG_RUNNER
#include <csignal>
#include <cstdlib>

#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  // A child that stops reading its stdin early (arborist refusing input past a limit) must
  // give the test's write EPIPE, not end the whole test binary with SIGPIPE. Children get
  // the default back on exec (an ignored signal stays ignored across exec, so support.cpp
  // restores it in the child).
  std::signal(SIGPIPE, SIG_IGN);
  ::setenv("NO_COLOR", "1", 1);
  // A private cache and request log: tests never read or fill the developer's own.
  ::setenv("XDG_CACHE_HOME", ARBORIST_TEST_XDG "/cache", 1);
  ::setenv("XDG_DATA_HOME", ARBORIST_TEST_XDG "/data", 1);
  // Under the sanitizers: Graphviz and its font stack keep caches for the process's life
  // (tests/lsan.supp names only those third-party libraries).
  ::setenv("LSAN_OPTIONS", "suppressions=" ARBORIST_SOURCE_DIR "/tests/lsan.supp:print_suppressions=0", 0);
  return Catch::Session().run(argc, argv);
}
