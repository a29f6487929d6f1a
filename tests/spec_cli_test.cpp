// End-to-end tests of `arborist spec` through the real binary.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "spec/io.hpp"
#include "support.hpp"

#include <unistd.h>

using namespace arborist;
using test::run_arborist;

static const std::string kNightly =
    "nightly: back up the db, then vacuum it and rebuild the search index in parallel, then email the report";

TEST_CASE("spec writes a valid spec to stdout, deterministically", "[cli][spec-cli]") {
  auto a = run_arborist({"spec", kNightly});
  INFO(a.err);
  REQUIRE(a.exit_code == 0);
  auto parsed = spec::read_spec(a.out, "stdout");
  INFO(a.out);
  REQUIRE(parsed);
  CHECK(parsed->steps.size() >= 3);
  auto b = run_arborist({"spec", kNightly});
  CHECK(a.out == b.out);
}

TEST_CASE("spec -o writes the file atomically and keeps stdout empty", "[cli][spec-cli]") {
  test::TempDir dir;
  auto r = run_arborist({"spec", kNightly, "-o", (dir / "spec.yaml").string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.find("wrote") != std::string::npos);
  CHECK(spec::read_spec_file(dir / "spec.yaml"));
  auto q = run_arborist({"--quiet", "spec", kNightly, "-o", (dir / "q.yaml").string()});
  CHECK(q.exit_code == 0);
  CHECK(q.err.empty());
}

TEST_CASE("spec reads the description from --file and from stdin", "[cli][spec-cli]") {
  test::TempDir dir;
  auto file = dir.write("desc.txt", kNightly + "\n");
  auto from_file = run_arborist({"spec", "--file", file.string()});
  auto from_stdin = run_arborist({"spec", "-"}, kNightly);
  auto from_arg = run_arborist({"spec", kNightly});
  REQUIRE(from_file.exit_code == 0);
  REQUIRE(from_stdin.exit_code == 0);
  CHECK(from_file.out == from_arg.out);
  CHECK(from_stdin.out == from_arg.out);
}

TEST_CASE("spec --json gives the spec and metadata as JSON", "[cli][spec-cli]") {
  auto r = run_arborist({"--json", "spec", kNightly});
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["runner"] == "mock");
  CHECK(j["spec"]["version"] == 1);
  CHECK(j["steps"].get<int>() == static_cast<int>(j["spec"]["steps"].size()));
}

TEST_CASE("bad descriptions: clear message, exit 3, no output file", "[cli][spec-cli]") {
  test::TempDir dir;
  auto out = dir / "spec.yaml";
  struct Case {
    std::vector<std::string> args;
    std::string stdin_text;
    std::string needle;
  };
  auto big = dir.write("big.txt", std::string(10 * 1024 * 1024, 'a'));
  auto binary = dir.write("bin.txt", std::string("back up \xff\xfe the db"));
  auto blank = dir.write("blank.txt", " \n\t\n");
  std::vector<Case> cases = {
      {{"spec", "", "-o", out.string()}, "", "is empty"},
      {{"spec", "   \t ", "-o", out.string()}, "", "is empty"},
      {{"spec", "-", "-o", out.string()}, "", "is empty"},
      {{"spec", "--file", big.string(), "-o", out.string()}, "", "the limit is 100 KB"},
      {{"spec", "--file", binary.string(), "-o", out.string()}, "", "not valid UTF-8"},
      {{"spec", "--file", blank.string(), "-o", out.string()}, "", "is empty"},
  };
  for (const auto& c : cases) {
    auto r = run_arborist(c.args, c.stdin_text);
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find(c.needle) != std::string::npos);
    CHECK(r.out.empty());
    CHECK_FALSE(std::filesystem::exists(out));
  }
}

TEST_CASE("usage errors exit 2 and name the problem", "[cli][spec-cli]") {
  auto none = run_arborist({"spec"});
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("no description") != std::string::npos);
  auto runner = run_arborist({"spec", "build it", "--runner", "mokc"});
  CHECK(runner.exit_code == 2);
  CHECK(runner.err.find("did you mean 'mock'?") != std::string::npos);
  auto both = run_arborist({"spec", "build it", "--file", "x.txt"});
  CHECK(both.exit_code == 2);
  auto unknown_flag = run_arborist({"spec", "build it", "--frobnicate"});
  CHECK(unknown_flag.exit_code == 2);
  auto no_command = run_arborist({});
  CHECK(no_command.exit_code == 2);
}

TEST_CASE("an unwritable -o path fails with exit 7 and leaves the old file", "[cli][spec-cli]") {
  test::TempDir dir;
  auto missing = run_arborist({"spec", kNightly, "-o", (dir / "no" / "such" / "dir.yaml").string()});
  CHECK(missing.exit_code == 7);
  CHECK(missing.err.find("does not exist") != std::string::npos);
  auto is_dir = run_arborist({"spec", kNightly, "-o", dir.path().string()});
  CHECK(is_dir.exit_code == 7);
  CHECK(is_dir.err.find("is a directory") != std::string::npos);
  if (::geteuid() != 0) {  // root ignores directory permissions
    auto locked = dir / "locked";
    std::filesystem::create_directory(locked);
    dir.write("locked/spec.yaml", "old\n");
    std::filesystem::permissions(locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    auto r = run_arborist({"spec", kNightly, "-o", (locked / "spec.yaml").string()});
    CHECK(r.exit_code == 7);
    CHECK(test::read_text(locked / "spec.yaml") == "old\n");
    std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
  }
  auto ro = dir.write("keep.yaml", "old\n");
  auto bad = run_arborist({"spec", "", "-o", ro.string()});
  CHECK(bad.exit_code == 3);
  CHECK(test::read_text(ro) == "old\n");
}
