#include "doctor/doctor.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <set>
#include <thread>

#include "core/atomic_file.hpp"
#include "core/yaml.hpp"
#include "dagu/check.hpp"
#include "dagu/family.hpp"
#include "dagu/installed.hpp"
#include "spec/variables.hpp"
#include "graph/explain.hpp"
#include "lint/lint.hpp"
#include "transport/provider.hpp"

namespace arborist::doctor {

namespace {

runners::EnvLookup env_or_process(const Options& o) {
  if (o.env) return o.env;
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
}

bool on_path(const std::string& program, const runners::EnvLookup& env) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  std::string path = env("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

struct HostPort {
  std::string host;
  std::string port;
};

std::optional<HostPort> host_port(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  std::string rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  HostPort hp;
  hp.port = url.starts_with("https") ? "443" : "80";
  if (rest.starts_with("[")) {  // [::1]:8080
    auto close = rest.find(']');
    hp.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') hp.port = rest.substr(close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    hp.host = rest.substr(0, colon);
    hp.port = rest.substr(colon + 1);
  } else {
    hp.host = rest;
  }
  if (hp.host.empty()) return std::nullopt;
  return hp;
}

bool connect_within(const HostPort& hp, int timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (::getaddrinfo(hp.host.c_str(), hp.port.c_str(), &hints, &list) != 0) return false;
  bool ok = false;
  for (addrinfo* a = list; a && !ok; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc == 0) {
      ok = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, timeout_ms) == 1) {
        int err = 0;
        socklen_t len = sizeof err;
        ok = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
      }
    }
    ::close(fd);
  }
  ::freeaddrinfo(list);
  return ok;
}

}  // namespace

bool reachable(const std::string& url, int timeout_ms) {
  auto hp = host_port(url);
  if (!hp) return false;
  // Name lookup has no timeout of its own: run it aside and stop waiting at the deadline.
  auto result = std::make_shared<std::promise<bool>>();
  auto future = result->get_future();
  std::thread([hp = *hp, timeout_ms, result] { result->set_value(connect_within(hp, timeout_ms)); }).detach();
  if (future.wait_for(std::chrono::milliseconds(timeout_ms + 500)) != std::future_status::ready) return false;
  return future.get();
}

std::vector<Check> check_runners(const config::Config& config, const Options& options) {
  std::vector<Check> out;
  const auto env = env_or_process(options);
  std::vector<std::string> names;
  for (const auto* d : runners::builtin_registry().descriptors())
    if (!d->needs_profile) names.push_back(d->type);
  if (const auto* profiles = config.find("/runners"); profiles && profiles->is_object())
    for (auto it = profiles->begin(); it != profiles->end(); ++it) names.push_back(it.key());
  for (const auto& name : names) {
    Check c;
    c.subject = "runner " + name;
    config::SelectOptions select;
    select.name = name;
    select.env = env;
    select.resolve_key = false;  // doctor never runs api_key_cmd
    auto selection = config::select_runner(config, select);
    if (!selection) {
      c.status = Check::Status::problem;
      c.detail = selection.error().message;
      c.hint = selection.error().hint;
      out.push_back(std::move(c));
      continue;
    }
    const auto& rc = selection->runner;
    const auto* d = runners::builtin_registry().find(rc.type);
    if (!d) continue;
    if (!d->calls_out) {
      c.detail = "offline, always available";
      out.push_back(std::move(c));
      continue;
    }
    const runners::Endpoint endpoint = d->endpoint(rc, env);
    std::string key_from;
    for (const auto& v : d->key_variables)
      if (env(v)) {
        key_from = v;
        break;
      }
    if (const auto* profile = config.find("/runners/" + yaml::pointer_escape(name)); profile && profile->is_object())
      for (const char* k : {"api_key_env", "api_key_cmd", "api_key_file", "api_key"})
        if (profile->contains(k)) key_from = k;
    const std::string shown = transport::redact_url(endpoint.url);
    const bool local = transport::is_loopback_url(endpoint.url);
    if (rc.type == "command") {
      bool found = !rc.command.empty() && on_path(rc.command.front(), env);
      c.status = found ? Check::Status::ok : Check::Status::problem;
      c.detail = found ? "runs " + shown : "its program '" + (rc.command.empty() ? std::string() : rc.command.front()) +
                                                "' is not on PATH";
      out.push_back(std::move(c));
      continue;
    }
    const bool needs_key = !d->key_variables.empty() && !local && rc.type != "ollama" && rc.type != "http";
    if (needs_key && key_from.empty()) {
      c.status = Check::Status::warning;
      c.detail = "no key: set " + d->key_variables.front() + " (or api_key_env / api_key_cmd in its profile)";
      out.push_back(std::move(c));
      continue;
    }
    std::string detail = shown + (key_from.empty() ? "" : ", key from " + key_from);
    if (options.network || local) {
      bool up = reachable(endpoint.url, options.connect_timeout_ms);
      c.status = up ? Check::Status::ok : Check::Status::warning;
      c.detail = detail + (up ? ", reachable" : ", not reachable");
      if (!up)
        c.hint = local ? (rc.type == "ollama" ? "start it: ollama serve" : "start the local server, or fix base_url")
                       : "check the network, a proxy, or base_url";
    } else {
      c.status = Check::Status::info;
      c.detail = detail + " (not contacted)";
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<Check> check_dagu() {
  Check c;
  c.subject = "dagu";
  if (auto installed = dagu::find_installed_dagu()) {
    c.detail = "dagu " + installed->version_text + " on PATH; `arborist dagu` writes its " +
               std::string(dagu::version_id(installed->form)) + " form by default";
  } else {
    c.status = Check::Status::warning;
    c.detail = "no dagu on PATH (or its version is not one arborist knows)";
    c.hint = "install Dagu (https://github.com/dagucloud/dagu); arborist writes the portable 2.x form meanwhile";
  }
  return {c};
}

Result<std::vector<Check>> check_file(const std::string& path, const Options& options) {
  const auto env = env_or_process(options);
  auto plan = graph::load_plan(path);
  if (!plan) return fail(plan.error());
  std::vector<Check> out;
  std::set<std::string> programs;
  for (const auto& f : plan->facts)
    for (const auto& c : f.commands)
      for (const auto& p : lint::programs(c)) programs.insert(p);
  for (const auto& p : programs)
    if (!on_path(p, env))
      out.push_back({"program " + p, Check::Status::warning, "is not on PATH here",
                     "install it where Dagu runs the steps, or use its full path"});
  for (const auto& v : plan->required)
    if (!env(v))
      out.push_back({"variable " + v, Check::Status::warning, "is not set here, and the plan reads it from the environment",
                     "export " + v + "=… where Dagu starts (or in Dagu's own env file)"});
  // Variables the commands read that the plan gives no value (not in env or params, not a
  // step's output, not one Dagu or the shell sets) and that are not set here either: the step
  // would see them empty.
  {
    std::set<std::string> known(plan->env.begin(), plan->env.end());
    known.insert(plan->params.begin(), plan->params.end());
    known.insert(plan->required.begin(), plan->required.end());
    for (const auto& f : plan->facts) {
      if (!f.output.empty()) known.insert(f.output);
      for (const auto& c : f.commands)  // set by a command itself, as the lint reads it
        for (const auto& v : lint::assigned_in(c)) known.insert(v);
    }
    std::set<std::string> reported;
    for (size_t i = 0; i < plan->facts.size(); ++i)
      for (const auto& c : plan->facts[i].commands)
        for (const auto& v : spec::environment_references(c)) {
          if (known.count(v) || spec::given_by_dagu(v) || spec::set_by_shell(v) || env(v) || !reported.insert(v).second)
            continue;
          const std::string step = i < plan->graph.nodes.size() ? plan->graph.nodes[i].name : std::string();
          out.push_back({"variable " + v, Check::Status::warning,
                         "is read by step '" + step + "' but the plan does not declare it and it is not set here",
                         "declare it in the plan's env (" + v + ": ${" + v + "}) and export it where Dagu starts"});
        }
  }
  // The Dagu the file's syntax needs, against the one installed.
  auto text = read_file(path == "-" ? std::string("/dev/stdin") : path);
  if (text) {
    auto docs = yaml::parse(*text, path);
    if (docs && !docs->empty() && dagu::looks_like_dag(docs->front().value)) {
      auto guess = dagu::detect_family(*docs, dagu::header_family(*text));
      auto installed = dagu::find_installed_dagu();
      Check c;
      c.subject = "dagu syntax";
      c.detail = "written for " + std::string(dagu::family_label(guess.family)) + " (" + guess.reason + ")";
      if (installed) {
        const dagu::Family installed_family = dagu::checked_as(installed->form);
        // A file that looks written for another Dagu may still be valid for this one (plain
        // name/type/depends/command files load on every version): the installed Dagu's own
        // rules decide, not the guess.
        std::vector<Problem> errors;
        if (installed_family != guess.family) {
          dagu::CheckOptions check;
          check.family = installed_family;
          check.path = path == "-" ? std::string() : path;
          for (auto& p : dagu::check_dag_report(*text, docs, path, check).problems)
            if (p.severity == Severity::error) errors.push_back(std::move(p));
        }
        if (!errors.empty()) {
          c.status = Check::Status::problem;
          c.detail += ", but dagu " + installed->version_text + " is installed and refuses it: " + errors.front().message +
                      (errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) + " more)" : "");
          c.hint = "write it again for the installed Dagu: arborist dagu SPEC --dagu-version " +
                   std::string(installed->form == dagu::Version::v1 ? "1" : "latest") +
                   " (`arborist validate --dagu-version " + std::string(dagu::family_id(installed_family)) + " " + path +
                   "` lists every problem)";
        } else if (installed_family != guess.family) {
          c.detail += "; dagu " + installed->version_text + " is installed and its rules accept it too";
        } else {
          c.detail += "; dagu " + installed->version_text + " is installed";
        }
      }
      out.push_back(std::move(c));
    }
  }
  if (out.empty()) out.push_back({"file " + path, Check::Status::ok, "every program is on PATH and every variable set", ""});
  return out;
}

}  // namespace arborist::doctor
