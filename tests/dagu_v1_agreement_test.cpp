// arborist's Dagu 1.x checker against the v1 corpus in tests/fixtures/dagu/v1: every file
// under valid/ must check with zero errors and every file under invalid/ with at least one.
// The directories hold the real Dagu 1.30.2 verdicts (see the README there). When the real
// binary is present, a second test checks that it still gives every file the verdict its
// directory records: `dagu validate`, or `dagu dry` for the files whose header says
// `# Dagu 1.30.2: dry:` (cycles, which 1.30.2's validate does not look for).
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "dagu/check.hpp"
#include "support.hpp"

using namespace arborist;
namespace fs = std::filesystem;

namespace {

const char* kDefaultDaguPath = "/opt/arborist-tools/node_modules/@dagu-org/dagu-linux-x64/bin/dagu";
const std::string kVerdictHeader = "# Dagu 1.30.2: ";

fs::path corpus() {
  return test::source_dir() / "tests/fixtures/dagu/v1";
}

struct CorpusFile {
  fs::path path;
  bool invalid = false;  // in invalid/
  std::string text;
  std::string header;  // the `# Dagu 1.30.2: …` line of an invalid file ("" for valid ones)
  bool rejected_by_dry() const { return header.rfind(kVerdictHeader + "dry:", 0) == 0; }
};

// Every file of the corpus, valid/ then invalid/, sorted by name.
std::vector<CorpusFile> corpus_files() {
  std::vector<CorpusFile> files;
  for (const char* dir : {"valid", "invalid"}) {
    std::vector<fs::path> paths;
    for (const auto& entry : fs::directory_iterator(corpus() / dir))
      if (entry.is_regular_file() && entry.path().extension() == ".yaml") paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      CorpusFile file;
      file.path = path;
      file.invalid = std::string(dir) == "invalid";
      file.text = test::read_text(path);
      std::istringstream in(file.text);
      std::string line;
      std::getline(in, line);  // `# exercises: …`
      if (std::getline(in, line) && line.rfind(kVerdictHeader, 0) == 0) file.header = line;
      files.push_back(std::move(file));
    }
  }
  return files;
}

using test::dump;
using test::errors_of;

// arborist's verdict: true when the v1 checker reports at least one error.
bool arborist_rejects(const CorpusFile& file, std::string* report = nullptr) {
  const std::string path = file.path.string();
  auto problems = dagu::check_dag(file.text, path, {dagu::Family::v1, path});
  if (report) *report = dump(problems);
  return !errors_of(problems).empty();
}

// ARBORIST_DAGU first, then where CI installs it; "" when neither is there.
std::string find_dagu() {
  std::string path = kDefaultDaguPath;
  if (const char* env = std::getenv("ARBORIST_DAGU"); env && *env) path = env;
  return ::access(path.c_str(), X_OK) == 0 ? path : std::string();
}

// Runs `dagu <command> FILE` from the file's directory with a fresh, empty Dagu home.
test::RunResult run_dagu(const std::string& dagu, const std::string& command, const fs::path& file) {
  test::TempDir home;
  return test::run_program({dagu, command, file.string()}, {}, file.parent_path(),
                           {{"DAGU_HOME", home.path().string()}, {"DAGU_SKIP_EXAMPLES", "true"}});
}

}  // namespace

TEST_CASE("Dagu 1.x corpus: every file is labelled", "[check][dagu-v1]") {
  const auto files = corpus_files();
  CHECK(files.size() == 60);
  for (const auto& file : files) {
    INFO(file.path.string());
    CHECK(file.text.rfind("# exercises: ", 0) == 0);
    // Invalid files record the real error; valid files have none to record.
    CHECK(file.header.empty() == !file.invalid);
  }
}

TEST_CASE("Dagu 1.x corpus: arborist's v1 checker gives every file the verdict of its directory",
          "[check][dagu-v1]") {
  const auto files = corpus_files();
  REQUIRE(!files.empty());
  size_t agree = 0;
  for (const auto& file : files) {
    std::string report;
    const bool rejects = arborist_rejects(file, &report);
    INFO(file.path.string() << " is in " << (file.invalid ? "invalid/" : "valid/")
                            << (file.header.empty() ? "" : "\n" + file.header) << "\narborist v1 reports:\n"
                            << (report.empty() ? "(nothing)\n" : report));
    CHECK(rejects == file.invalid);
    if (rejects == file.invalid) ++agree;
  }
  WARN("arborist v1 agrees with Dagu 1.30.2 on " << agree << " of " << files.size() << " corpus files");
}

TEST_CASE("Dagu 1.x corpus: the real Dagu 1.30.2 still gives every file the verdict of its directory",
          "[dagu-real][dagu-v1]") {
  const std::string dagu = find_dagu();
  if (dagu.empty()) {
    WARN("skipped: no Dagu binary at " << kDefaultDaguPath << " or $ARBORIST_DAGU");
    return;
  }
  auto version = test::run_program({dagu, "version"});
  const std::string version_text = version.out + version.err;
  if (version_text.find("1.30.2") == std::string::npos)
    WARN("the corpus verdicts come from Dagu 1.30.2; this binary says: " << version_text);

  const auto files = corpus_files();
  REQUIRE(!files.empty());
  size_t real_agrees = 0, arborist_agrees = 0;
  for (const auto& file : files) {
    // The cycle files pass `dagu validate` 1.30.2 and fail only when a run is planned.
    const std::string command = file.rejected_by_dry() ? "dry" : "validate";
    auto run = run_dagu(dagu, command, file.path);
    const bool real_rejects = run.exit_code != 0;
    INFO(file.path.string() << " is in " << (file.invalid ? "invalid/" : "valid/") << "\n$ dagu " << command
                            << " (exit " << run.exit_code << ")\n"
                            << run.out << run.err);
    CHECK(real_rejects == file.invalid);
    if (real_rejects == file.invalid) ++real_agrees;
    if (arborist_rejects(file) == real_rejects) ++arborist_agrees;
  }
  WARN("real Dagu agrees with the corpus directories on " << real_agrees << " of " << files.size()
                                                          << " files; arborist v1 agrees with real Dagu on "
                                                          << arborist_agrees << " of " << files.size());
}
