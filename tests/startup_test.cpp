// Process start is part of every command's cost (docs/performance.md): libcurl and its
// ~30 dependencies must not be loaded by the dynamic linker, only dlopened by a network runner.
#include <catch2/catch.hpp>

#include "support.hpp"

using arborist::test::run_program;

TEST_CASE("startup: the binary does not load libcurl until a network runner sends", "[startup]") {
  // LD_TRACE_LOADED_OBJECTS makes the dynamic loader list what it would load, like ldd.
  auto r = run_program({arborist::test::binary_path()}, "", {}, {{"LD_TRACE_LOADED_OBJECTS", "1"}});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("libc.so") != std::string::npos);  // the listing worked
  CHECK(r.out.find("libcurl") == std::string::npos);
  CHECK(r.out.find("libssl") == std::string::npos);
  CHECK(r.out.find("libgssapi") == std::string::npos);
}
