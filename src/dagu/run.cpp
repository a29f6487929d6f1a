#include "dagu/run.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "config/subprocess.hpp"
#include "core/atomic_file.hpp"
#include "core/text.hpp"
#include "core/yaml.hpp"
#include "dagu/check.hpp"
#include "dagu/installed.hpp"
#include "lint/lint.hpp"
#include "spec/io.hpp"

namespace arborist::dagu {

namespace fs = std::filesystem;

namespace {


// The Dagu binary: the flag, ARBORIST_DAGU, else `dagu` on PATH.
Result<std::string> find_dagu(const std::string& flag) {
  std::string program = flag;
  if (program.empty())
    if (const char* env = std::getenv("ARBORIST_DAGU"); env && *env) program = env;
  if (program.empty()) {
    program = config::find_program("dagu", config::child_environment({}));
    if (program == "dagu")
      return fail(ExitCode::workflow_failed, "dagu is not installed: no `dagu` on PATH",
                  "install Dagu (https://docs.dagu.cloud; `npm install -g @dagu-org/dagu` gives 1.30.2), or point "
                  "--dagu or ARBORIST_DAGU at its binary");
  }
  if (::access(program.c_str(), X_OK) != 0)
    return fail(ExitCode::workflow_failed, "cannot run Dagu at '" + program + "': " + std::strerror(errno),
                "point --dagu or ARBORIST_DAGU at an executable dagu binary");
  return program;
}

// `dagu version` of that binary, and the form arborist writes for it.
Result<std::pair<std::string, Version>> dagu_version(const std::string& program) {
  config::SubprocessOptions options;
  options.timeout_ms = 5000;
  options.max_output_bytes = 4096;
  auto result = config::run_subprocess({program, "version"}, options);
  if (!result || result->timed_out || result->exit_status != 0)
    return fail(ExitCode::workflow_failed, "`" + program + " version` did not answer",
                "check that the binary is Dagu and runs on this machine");
  std::string text(text::trim(result->out.empty() ? result->err : result->out));
  auto form = version_for_installed(text);
  if (!form)
    return fail(ExitCode::workflow_failed, "Dagu '" + text::shorten(text, 40) + "' is a version arborist has no form for",
                "arborist writes for Dagu 1.x, 2.0–2.6 and 2.7–2.15");
  return std::pair{text, *form};
}

bool is_param(const std::string& p) {
  const auto eq = p.find('=');
  return eq != std::string::npos && eq > 0 && text::is_identifier(std::string_view(p).substr(0, eq));
}

}  // namespace

PreparedRun::~PreparedRun() {
  if (!temp_dir.empty()) {
    std::error_code ec;
    fs::remove_all(temp_dir, ec);
  }
}

PreparedRun::PreparedRun(PreparedRun&& other) noexcept
    : dagu(std::move(other.dagu)),
      dagu_version(std::move(other.dagu_version)),
      form(other.form),
      dag(std::move(other.dag)),
      temp_dir(std::move(other.temp_dir)),
      from_spec(other.from_spec),
      warnings(std::move(other.warnings)),
      argv(std::move(other.argv)) {
  other.temp_dir.clear();
}

Result<PreparedRun> prepare_run(const RunRequest& request) {
  for (const auto& p : request.params)
    if (!is_param(p))
      return fail(ExitCode::usage, "--param '" + p + "' is not NAME=VALUE", "e.g. --param DATE=2026-12-01");
  PreparedRun run;
  auto text = read_file(request.file);
  if (!text) return fail(text.error());
  auto docs = yaml::parse(*text, request.file.string());
  if (!docs) return fail(docs.error());
  const bool is_dag = !docs->empty() && looks_like_dag(docs->front().value);

  // The lint reads what the user gave (a spec's own disable comments and positions).
  std::optional<spec::Spec> spec;
  lint::Options lint_options;
  lint_options.disabled = request.lint_disabled;
  lint_options.shellcheck = false;  // style, not safety: `arborist validate` runs it
  std::vector<Problem> findings;
  if (!is_dag) {
    auto read = spec::read_spec(*text, request.file.string());
    if (!read) return fail(read.error());
    spec = std::move(*read);
    findings = lint::check(lint::subject_of(*spec, &docs->front(), request.file.string(), *text), lint_options);
  } else {
    // Every document: sub-DAGs after `---` run as part of the same workflow.
    findings = lint::check_dag_documents(*docs, request.file.string(), *text, lint_options);
  }
  std::vector<Problem> refused;
  for (auto& finding : findings) {
    const lint::Rule* rule = lint::find_rule(finding.rule);
    if (request.strict || (rule && rule->blocks_ai)) {
      finding.severity = Severity::error;
      refused.push_back(std::move(finding));
    } else {
      run.warnings.push_back(std::move(finding));
    }
  }
  if (!refused.empty()) {
    Error e{ExitCode::invalid_input,
            request.file.string() + " would run " + std::to_string(refused.size()) +
                (request.strict ? " command(s) the lint flags (--strict)" : " dangerous command(s)") +
                "; nothing was run",
            {},
            "fix the plan; if a command is meant, switch its rule off for that step with `# arborist-lint: "
            "disable=RULE` on the line above it, or in lint.disable (docs/lint.md)",
            std::move(refused)};
    return fail(std::move(e));
  }

  // The installed Dagu decides the form a spec is written in and the rules a DAG is checked by.
  auto program = find_dagu(request.dagu);
  if (!program) return fail(program.error());
  auto version = dagu_version(*program);
  if (!version) return fail(version.error());
  run.dagu = *program;
  run.dagu_version = version->first;
  run.form = version->second;

  if (!is_dag) {
    // A spec: emitted for this Dagu, into -o or a private temp directory named so that the
    // DAG's name (its file stem on 2.7+) is the spec's.
    if (!request.queue.empty() && request.keep_dag.empty())
      return fail(ExitCode::usage, "--queue with a spec needs -o DAG.yaml",
                  "a queued run reads its DAG file when its turn comes, so the file must stay: write it with -o "
                  "(or run `arborist dagu` first and queue the DAG)");
    run.from_spec = true;
    fs::path target = request.keep_dag;
    if (target.empty()) {
      std::string pattern = (fs::temp_directory_path() / "arborist-run-XXXXXX").string();
      if (!::mkdtemp(pattern.data()))
        return fail(ExitCode::io, std::string("cannot create a temporary directory: ") + std::strerror(errno));
      run.temp_dir = pattern;
      target = run.temp_dir / (sanitize_dag_name(spec->name) + ".yaml");
    }
    if (auto distinct = check_not_the_spec(request.file.string(), target.string()); !distinct)
      return fail(distinct.error());
    EmitOptions emit_options{run.form, recorded_spec_path(request.file.string(), target.string()), target.string()};
    emit_options.spec_dir = request.file.parent_path().string();
    auto emitted = emit(*spec, emit_options);
    if (!emitted) return fail(emitted.error());
    if (auto written = write_file_atomically(target, *emitted); !written) return fail(written.error());
    run.dag = target;
    *text = *emitted;
  } else {
    run.dag = request.file;
  }

  CheckOptions options;
  options.family = checked_as(run.form);
  options.path = run.dag.string();
  auto report = check_dag_report(*text, run.dag.string(), options);
  std::vector<Problem> errors;
  for (auto& p : report.problems) (p.severity == Severity::error ? errors : run.warnings).push_back(std::move(p));
  if (!errors.empty()) {
    Error e{ExitCode::invalid_input,
            run.dag.string() + " is not a valid DAG for the installed Dagu " + run.dagu_version + "; nothing was run",
            {}, "fix it (arborist validate shows the same), or run it on the Dagu it was written for", std::move(errors)};
    return fail(std::move(e));
  }

  run.argv = {run.dagu, request.queue.empty() ? "start" : "enqueue"};
  if (!request.queue.empty()) {
    run.argv.push_back("--queue");
    run.argv.push_back(request.queue);
  }
  run.argv.push_back(run.dag.string());
  if (!request.params.empty()) {
    run.argv.push_back("--");
    run.argv.insert(run.argv.end(), request.params.begin(), request.params.end());
  }
  return run;
}

Result<void> execute_run(const PreparedRun& run, bool queued, bool status_to_stderr) {
  const auto environment = config::child_environment({});
  auto argv = config::exec_array(run.argv);
  auto envp = config::exec_array(environment);
  const pid_t pid = ::fork();
  if (pid < 0) return fail(ExitCode::workflow_failed, std::string("cannot start Dagu: ") + std::strerror(errno));
  if (pid == 0) {
    // Its own process group, so an interrupt of ours can end Dagu's whole run (and its
    // steps); the terminal's Ctrl-C reaches us and InterruptEndsGroup passes it on.
    ::setpgid(0, 0);
    ::signal(SIGXFSZ, SIG_DFL);  // ignored in arborist itself (atomic_file.cpp), not for Dagu
    if (status_to_stderr) ::dup2(STDERR_FILENO, STDOUT_FILENO);  // --json: stdout is for our report
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  InterruptEndsGroup forward(pid);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return fail(ExitCode::workflow_failed, std::string("lost Dagu: ") + std::strerror(errno));
  const std::string what = queued ? "queueing " : "the run of ";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  const std::string how = WIFEXITED(status) ? "dagu exited with " + std::to_string(WEXITSTATUS(status))
                                            : "dagu was ended by signal " + std::to_string(WTERMSIG(status));
  return fail(ExitCode::workflow_failed, what + run.dag.filename().string() + " failed (" + how + ")",
              queued ? "see `dagu enqueue --help`; the queue needs a scheduler (`dagu scheduler` or `dagu start-all`)"
                     : "see the step logs with `dagu status " +
                           (run.temp_dir.empty() ? run.dag.string() : run.dag.stem().string()) + "`");
}

}  // namespace arborist::dagu
