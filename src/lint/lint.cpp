#include "lint/lint.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "config/subprocess.hpp"
#include "core/name_index.hpp"
#include "core/text.hpp"
#include "spec/variables.hpp"

namespace arborist::lint {

namespace fs = std::filesystem;

const std::vector<Rule>& rules() {
  static const std::vector<Rule> list = {
      {"curl-pipe-shell", "a download piped into a shell or interpreter (curl … | sh, bash <(curl …))", true},
      {"rm-dangerous", "rm -r of /, ~, $HOME, a system directory, or \"$VAR/\" with VAR possibly unset", true},
      {"fork-bomb", "a fork bomb (:(){ :|:& };:)", true},
      {"secret-exfiltration", "a private key or credentials file sent over the network", true},
      {"literal-secret", "a key, token or password written into the command (use ${VAR})", true},
      {"disk-wipe", "writing to a raw disk or formatting one (dd of=/dev/sda, mkfs)", true},
      {"sudo", "runs with sudo or doas (Dagu steps run as the scheduler's user)", false},
      {"chmod-777", "makes files writable by everyone (chmod 777, a+rwx)", false},
      {"placeholder", "a placeholder left in a command (example.com, changeme, your-api-key, /path/to/, TODO)", false},
      {"network-no-timeout", "curl, wget, rsync to a host or nc without a timeout, in a step without one (it can hang the run)", false},
      {"undeclared-variable", "a $VAR the command reads that the plan never declares", false},
      {"parallel-write-conflict", "a step writes a file another step running at the same time reads or writes", false},
      {"shellcheck", "a finding of shellcheck (when it is installed)", false},
  };
  return list;
}

const Rule* find_rule(std::string_view id) {
  for (const auto& r : rules())
    if (id == r.id) return &r;
  return nullptr;
}

namespace {

// ---- a small shell reader ------------------------------------------------------------

struct Word {
  std::string text;      // quotes removed
  bool quoted = false;   // any part was quoted
  bool redirect = false; // an operator word: ">", ">>", "<", "2>" …
};

struct SimpleCommand {
  std::vector<Word> words;
  int pipeline = 0;  // commands joined by `|` share it
};

struct Parsed {
  std::vector<SimpleCommand> commands;
  std::vector<std::string> nested;  // the texts of $(…), `…`, <(…), >(…): read as commands too
};

// Up to the parenthesis closing the one before `i` (quotes respected); returns the index after it.
size_t balanced_end(std::string_view s, size_t i) {
  int depth = 1;
  char quote = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == '\\' && quote == '"' && i + 1 < s.size()) ++i;
      else if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '\\' && i + 1 < s.size()) {
      ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i + 1;
    }
  }
  return s.size();
}

Parsed parse_shell(std::string_view s, int depth = 0) {
  Parsed out;
  SimpleCommand current;
  Word word;
  bool in_word = false;
  int pipeline = 0;
  auto end_word = [&] {
    if (in_word) current.words.push_back(std::move(word));
    word = Word{};
    in_word = false;
  };
  auto end_command = [&](bool new_pipeline) {
    end_word();
    if (!current.words.empty()) {
      current.pipeline = pipeline;
      out.commands.push_back(std::move(current));
    }
    current = SimpleCommand{};
    if (new_pipeline) ++pipeline;
  };
  auto nested = [&](size_t open_after, size_t& i) {
    size_t end = balanced_end(s, open_after);
    if (depth < 8) out.nested.emplace_back(s.substr(open_after, end - open_after - (end <= s.size() ? 1 : 0)));
    word.text += "$(…)";
    in_word = true;
    i = end - 1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      if (s[i + 1] != '\n') word.text += s[i + 1];
      in_word = true;
      ++i;
    } else if (c == '\'') {
      size_t end = s.find('\'', i + 1);
      if (end == std::string_view::npos) end = s.size();
      word.text += s.substr(i + 1, end - i - 1);
      word.quoted = in_word = true;
      i = end;
    } else if (c == '"') {
      word.quoted = in_word = true;
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          word.text += s[++i];
        } else if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '(') {
          nested(i + 2, i);
        } else if (s[i] == '`') {
          size_t end = s.find('`', i + 1);
          if (end == std::string_view::npos) end = s.size();
          if (depth < 8) out.nested.emplace_back(s.substr(i + 1, end - i - 1));
          word.text += "$(…)";
          i = end;
        } else {
          word.text += s[i];
        }
      }
    } else if (c == '$' && i + 1 < s.size() && s[i + 1] == '(') {
      nested(i + 2, i);
    } else if ((c == '<' || c == '>') && i + 1 < s.size() && s[i + 1] == '(') {
      end_word();
      nested(i + 2, i);
      end_word();
    } else if (c == '`') {
      size_t end = s.find('`', i + 1);
      if (end == std::string_view::npos) end = s.size();
      if (depth < 8) out.nested.emplace_back(s.substr(i + 1, end - i - 1));
      word.text += "$(…)";
      in_word = true;
      i = end;
    } else if (c == '#' && !in_word) {
      while (i < s.size() && s[i] != '\n') ++i;
      end_command(true);
    } else if (c == '|') {
      if (i + 1 < s.size() && s[i + 1] == '|') {
        end_command(true);
        ++i;
      } else {
        end_command(false);  // a pipe: the next command is in the same pipeline
      }
    } else if (c == ';' || c == '\n' || c == '&' || c == '(' || c == ')' || c == '{' || c == '}') {
      if (c == '&' && i + 1 < s.size() && s[i + 1] == '>') {  // &> file
        end_word();
        current.words.push_back({"&>", false, true});
        ++i;
        continue;
      }
      if ((c == '{' || c == '}') && in_word) {  // ${VAR} or a brace expansion inside a word
        word.text += c;
        continue;
      }
      end_command(true);
      if (c == '&' && i + 1 < s.size() && s[i + 1] == '&') ++i;
    } else if (c == '>' || c == '<') {
      // "2>" and ">&2" stay one operator word.
      std::string op;
      if (in_word && (word.text == "1" || word.text == "2") && !word.quoted) {
        op = word.text;
        word = Word{};
        in_word = false;
      }
      end_word();
      op += c;
      while (i + 1 < s.size() && (s[i + 1] == '>' || s[i + 1] == '&' || s[i + 1] == '|')) op += s[++i];
      if (op.back() == '&' && i + 1 < s.size() && (std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '-')) {
        op += s[++i];
        current.words.push_back({op, false, true});
        current.words.push_back({"", false, false});  // no target: fd duplication
        continue;
      }
      current.words.push_back({op, false, true});
    } else if (c == ' ' || c == '\t' || c == '\r') {
      end_word();
    } else {
      word.text += c;
      in_word = true;
    }
  }
  end_command(true);
  return out;
}

std::string basename_of(const std::string& program) {
  auto slash = program.rfind('/');
  return slash == std::string::npos ? program : program.substr(slash + 1);
}

bool is_assignment(const Word& w) {
  if (w.redirect) return false;
  auto eq = w.text.find('=');
  return eq != std::string::npos && eq > 0 && text::is_identifier(std::string_view(w.text).substr(0, eq));
}

// The words from the program on (leading VAR=value and wrappers skipped); `privileged`
// says whether sudo/doas wrapped it.
struct Invocation {
  std::string program;  // basename
  std::vector<const Word*> args;
  bool privileged = false;
  bool time_limited = false;  // run under `timeout N`
};

Invocation invocation_of(const SimpleCommand& c) {
  Invocation inv;
  size_t i = 0;
  auto& w = c.words;
  while (i < w.size() && is_assignment(w[i])) ++i;
  while (i < w.size()) {
    std::string p = basename_of(w[i].text);
    if (p == "sudo" || p == "doas") {
      inv.privileged = true;
      ++i;
      while (i < w.size() && w[i].text.starts_with("-")) {  // sudo -u user …
        bool takes_value = w[i].text == "-u" || w[i].text == "-g" || w[i].text == "-C" || w[i].text == "-D";
        i += takes_value ? 2 : 1;
      }
      continue;
    }
    if (p == "env" || p == "nohup" || p == "time" || p == "exec" || p == "command" || p == "nice" ||
        p == "stdbuf" || p == "timeout") {
      if (p == "timeout") inv.time_limited = true;
      ++i;
      while (i < w.size() && (w[i].text.starts_with("-") || is_assignment(w[i]) ||
                              (p == "timeout" && !w[i].text.empty() && std::isdigit(static_cast<unsigned char>(w[i].text[0])))))
        ++i;
      continue;
    }
    break;
  }
  if (i < w.size()) {
    inv.program = basename_of(w[i].text);
    for (++i; i < w.size(); ++i) inv.args.push_back(&w[i]);
  }
  return inv;
}

bool is_shell_or_interpreter(const std::string& p) {
  static const std::set<std::string> names = {"sh",     "bash",    "zsh",  "dash", "ksh",  "fish", "python",
                                              "python3", "python2", "perl", "ruby", "node", "php",  "pwsh"};
  return names.count(p) > 0;
}

bool is_download(const std::string& p) {
  return p == "curl" || p == "wget" || p == "fetch" || p == "aria2c" || p == "http" || p == "httpie";
}

bool is_network(const std::string& p) {
  return is_download(p) || p == "nc" || p == "ncat" || p == "netcat" || p == "scp" || p == "sftp" || p == "ftp" ||
         p == "rsync" || p == "ssh" || p == "socat" || p == "telnet" || p == "aws" || p == "gsutil";
}

bool has_flag(const Invocation& inv, std::initializer_list<std::string_view> flags) {
  for (const Word* a : inv.args) {
    if (a->redirect) continue;
    for (auto f : flags) {
      if (a->text == f) return true;
      if (f.starts_with("--") && a->text.starts_with(std::string(f) + "=")) return true;
    }
  }
  return false;
}

// Short flags combined ("-rf", "-fR"): whether any of `letters` is among them.
bool has_short_letter(const Invocation& inv, std::string_view letters) {
  for (const Word* a : inv.args) {
    if (a->redirect || a->quoted) continue;
    const std::string& t = a->text;
    if (t.size() >= 2 && t[0] == '-' && t[1] != '-')
      for (char c : t.substr(1))
        if (letters.find(c) != std::string_view::npos) return true;
  }
  return false;
}

struct Finding {
  const char* rule;
  std::string message;
  std::string hint;
};

// ---- the rules over one command text -----------------------------------------------

bool is_dangerous_rm_target(const std::string& raw) {
  std::string t = raw;
  while (t.size() > 1 && t.back() == '*') t.pop_back();
  while (t.size() > 1 && t.back() == '/') t.pop_back();
  static const std::set<std::string> roots = {"/",     "~",    "$HOME", "${HOME}", "/home", "/etc", "/usr", "/var",
                                              "/boot", "/bin", "/lib",  "/opt",    "/root", "/srv", "/sbin", "/lib64",
                                              "/*",    "~/",   "."};
  if (roots.count(t) || raw == "/*" || raw == "~/*" || raw == "$HOME/*" || raw == "${HOME}/*") return true;
  // "$DIR/" or "${DIR}/…" with nothing making sure DIR is set: rm -rf / when it is empty.
  if (t.starts_with("$")) {
    size_t end;
    if (t.starts_with("${")) {
      end = t.find('}');
      if (end == std::string::npos) return false;
      std::string inside = t.substr(2, end - 2);
      if (inside.find(":?") != std::string::npos || inside.find(":-") != std::string::npos ||
          inside.find(":=") != std::string::npos)
        return false;
      ++end;
    } else {
      end = 1;
      while (end < t.size() && (std::isalnum(static_cast<unsigned char>(t[end])) || t[end] == '_')) ++end;
    }
    return end < raw.size() && raw[end] == '/';
  }
  return false;
}

bool looks_literal_value(std::string_view v) {
  while (!v.empty() && (v.front() == '"' || v.front() == '\'')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '"' || v.back() == '\'')) v.remove_suffix(1);
  if (v.size() < 4) return false;
  if (v.front() == '$' || v.front() == '<' || v.starts_with("[REDACTED") || v.starts_with("***")) return false;
  if (v.find("$(") != std::string_view::npos || v.find("${") != std::string_view::npos) return false;
  return true;
}

// A known key format somewhere in the text: its name, or "".
std::string key_format_in(std::string_view t) {
  auto run = [&](size_t from, auto pred) {
    size_t n = 0;
    while (from + n < t.size() && pred(t[from + n])) ++n;
    return n;
  };
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  auto upper_digit = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  auto token_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; };
  auto boundary = [&](size_t at) { return at == 0 || !token_char(t[at - 1]); };
  for (size_t i = 0; i < t.size(); ++i) {
    if (!boundary(i)) continue;
    std::string_view rest = t.substr(i);
    if ((rest.starts_with("AKIA") || rest.starts_with("ASIA")) && run(i + 4, upper_digit) == 16) return "an AWS access key";
    for (const char* p : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"})
      if (rest.starts_with(p) && run(i + 4, alnum) >= 30) return "a GitHub token";
    if (rest.starts_with("github_pat_") && run(i + 11, token_char) >= 20) return "a GitHub token";
    if (rest.starts_with("glpat-") && run(i + 6, token_char) >= 20) return "a GitLab token";
    if (rest.starts_with("sk-") && run(i + 3, token_char) >= 20) return "an API key (sk-…)";
    if (rest.starts_with("xox") && rest.size() > 4 && std::string_view("baprs").find(rest[3]) != std::string_view::npos &&
        rest[4] == '-' && run(i + 5, token_char) >= 10)
      return "a Slack token";
    if (rest.starts_with("AIza") && run(i + 4, token_char) >= 35) return "a Google API key";
    if (rest.starts_with("-----BEGIN") && rest.substr(0, 60).find("PRIVATE KEY") != std::string_view::npos)
      return "a private key";
  }
  return {};
}

std::vector<Finding> check_text(const std::string& text, bool step_has_timeout) {
  std::vector<Finding> out;
  std::string todo_argument;  // a TODO/FIXME/TBD passed as an argument
  auto add = [&out](const char* rule, std::string message, std::string hint) {
    for (const auto& f : out)
      if (std::string_view(f.rule) == rule) return;  // one finding per rule per command
    out.push_back({rule, std::move(message), std::move(hint)});
  };

  // Fork bombs: "name(){ name|name& };name", spaces ignored.
  {
    std::string squeezed;
    for (char c : text)
      if (c != ' ' && c != '\t' && c != '\n') squeezed += c;
    for (size_t p = squeezed.find("(){"); p != std::string::npos; p = squeezed.find("(){", p + 1)) {
      size_t start = p;  // the name: at most 21 characters back (longer ones are skipped anyway)
      while (start > 0 && p - start <= 20 && squeezed[start - 1] != ';' && squeezed[start - 1] != '&' &&
             squeezed[start - 1] != '|')
        --start;
      std::string name = squeezed.substr(start, p - start);
      if (name.empty() || name.size() > 20) continue;
      if (squeezed.compare(p + 3, name.size() * 2 + 2, name + "|" + name + "&") == 0) {
        add("fork-bomb", "the command is a fork bomb: it starts processes until the machine stops", "remove it");
        break;
      }
    }
  }

  if (auto format = key_format_in(text); !format.empty())
    add("literal-secret", "the command holds " + format + " written out",
        "pass it as an environment variable (${NAME}) from the scheduler's environment or a secret store");

  // Work through every command, nested $(…) ones too.
  std::vector<std::string> pending{text};
  for (size_t round = 0; round < pending.size() && round < 64; ++round) {
    Parsed parsed = parse_shell(pending[round]);
    for (const auto& n : parsed.nested) pending.push_back(n);
    // Pipelines: a download feeding a shell.
    std::map<int, std::vector<Invocation>> pipelines;
    for (const auto& c : parsed.commands) pipelines[c.pipeline].push_back(invocation_of(c));
    for (const auto& [id, list] : pipelines) {
      bool downloading = false, sensitive = false, sending = false;
      for (const auto& inv : list) {
        if (downloading && is_shell_or_interpreter(inv.program))
          add("curl-pipe-shell", "a download is piped into " + inv.program + ": whatever the server sends is run",
              "download to a file, check its checksum or signature, then run it");
        if (is_download(inv.program)) downloading = true;
        for (const Word* a : inv.args) {
          const std::string& t = a->text;
          if ((t.find(".ssh/id_") != std::string::npos && !t.ends_with(".pub")) ||
              t.find(".aws/credentials") != std::string::npos ||
              t == "/etc/shadow" || t.find(".gnupg/") != std::string::npos || t.find(".netrc") != std::string::npos ||
              t.find(".kube/config") != std::string::npos || t.find(".docker/config.json") != std::string::npos)
            sensitive = true;
        }
        if (is_network(inv.program)) sending = true;
      }
      if (sensitive && sending)
        add("secret-exfiltration", "a private key or credentials file is read and sent over the network",
            "never send credentials files; give the remote side its own credentials");
    }
    // Whether a $(…) / <(…) of this text downloads something: worked out once, on first need.
    std::optional<bool> nested_download_cache;
    auto nested_download = [&]() {
      if (!nested_download_cache) {
        bool fetches = false;
        for (const auto& n : parsed.nested) {
          for (const auto& ic : parse_shell(n, 1).commands) fetches |= is_download(invocation_of(ic).program);
          if (fetches) break;
        }
        nested_download_cache = fetches;
      }
      return *nested_download_cache;
    };
    for (const auto& c : parsed.commands) {
      Invocation inv = invocation_of(c);
      const std::string& p = inv.program;
      if (inv.privileged)
        add("sudo", "runs " + (p.empty() ? std::string("a command") : p) + " with sudo",
            "give the scheduler's user the rights it needs instead, or run the step in a container");
      if (is_shell_or_interpreter(p) && nested_download()) {
        // bash <(curl …), sh -c "$(curl …)"
        for (const Word* a : inv.args)
          if (a->text.find("$(…)") != std::string::npos) {
            add("curl-pipe-shell", p + " runs what a download returns",
                "download to a file, check its checksum or signature, then run it");
            break;
          }
      }
      if (p == "rm" && (has_short_letter(inv, "rR") || has_flag(inv, {"--recursive"}))) {
        if (has_flag(inv, {"--no-preserve-root"}))
          add("rm-dangerous", "rm --no-preserve-root can delete the whole file system", "remove it");
        for (const Word* a : inv.args) {
          if (a->redirect || a->text.starts_with("-")) continue;
          if (is_dangerous_rm_target(a->text)) {
            add("rm-dangerous",
                "rm -r of '" + text::shorten(a->text, 40) + "'" +
                    (a->text.starts_with("$") && a->text.find("HOME") == std::string::npos
                         ? ": if the variable is empty or unset this deletes from /"
                         : ": this deletes far more than a step should"),
                a->text.starts_with("$") ? "write ${VAR:?}/… so the step fails when VAR is unset, or name the directory"
                                         : "name the exact directory to remove");
            break;
          }
        }
      }
      if (p == "dd")
        for (const Word* a : inv.args)
          if (a->text.starts_with("of=/dev/") && a->text != "of=/dev/null" && a->text != "of=/dev/stdout" &&
              a->text != "of=/dev/stderr")
            add("disk-wipe", "dd writes to the device " + a->text.substr(3), "write to a file instead");
      if (p.starts_with("mkfs") || p == "wipefs" || p == "fdisk" || p == "parted" || p == "shred")
        for (const Word* a : inv.args)
          if (a->text.starts_with("/dev/"))
            add("disk-wipe", p + " on the device " + a->text, "a scheduled workflow should not format or wipe disks");
      if (p == "chmod")
        for (const Word* a : inv.args)
          if (a->text == "777" || a->text == "0777" || a->text == "a+rwx" || a->text == "ugo+rwx" || a->text == "666" ||
              a->text == "o+w" || a->text == "a+w")
            add("chmod-777", "chmod " + a->text + " lets every user of the machine change these files",
                "grant only what is needed (e.g. 755 for programs, 640 for data)");
      if (!step_has_timeout && !inv.time_limited) {
        auto any_arg_holds = [&](std::string_view part) {
          return std::any_of(inv.args.begin(), inv.args.end(),
                             [&](const Word* a) { return a->text.find(part) != std::string::npos; });
        };
        if (p == "curl" && !has_flag(inv, {"-m", "--max-time", "--connect-timeout"}) && !has_short_letter(inv, "m"))
          add("network-no-timeout", "curl has no timeout: a stalled server keeps the step waiting",
              "add --max-time SECONDS (or a timeout on the step)");
        if (p == "wget" && !has_flag(inv, {"-T", "--timeout", "--read-timeout", "--connect-timeout", "--dns-timeout"}) &&
            !has_short_letter(inv, "T"))
          add("network-no-timeout",
              "wget has no timeout: it waits 900 s for a stalled server and retries 20 times",
              "add --timeout=SECONDS --tries=3 (or a timeout on the step)");
        if (p == "rsync" && !has_flag(inv, {"--timeout", "--contimeout"}) && !any_arg_holds("ConnectTimeout") &&
            std::any_of(inv.args.begin(), inv.args.end(), [](const Word* a) {
              return !a->text.starts_with("-") && (a->text.find(':') != std::string::npos);
            }))
          add("network-no-timeout", "rsync to or from a remote host has no timeout: a stalled link keeps the step waiting",
              "add --timeout=SECONDS (or a timeout on the step)");
        if ((p == "nc" || p == "ncat" || p == "netcat") && !has_flag(inv, {"-w", "--wait"}) && !has_short_letter(inv, "w"))
          add("network-no-timeout", p + " has no -w timeout: a silent peer keeps the step waiting",
              "add -w SECONDS (or a timeout on the step)");
      }
      // A to-do marker passed as an argument (`./deploy.sh --env TODO`), not a search for one.
      static const std::set<std::string> searches = {"grep", "egrep", "fgrep", "rg", "ag", "ack", "git", "sed", "awk", "find"};
      if (!searches.count(p))
        for (const Word* a : inv.args)
          if (!a->redirect && (a->text == "TODO" || a->text == "FIXME" || a->text == "TBD" || a->text == "<TODO>"))
            todo_argument = a->text;
      // Passwords and tokens given as literal arguments.
      for (size_t i = 0; i < inv.args.size(); ++i) {
        const std::string& t = inv.args[i]->text;
        std::string lower = text::to_lower(t);
        // curl -u user:password, sshpass -p password, mysql -ppassword
        if ((p == "curl" || p == "wget") && (t == "-u" || t == "--user") && i + 1 < inv.args.size()) {
          const std::string& v = inv.args[i + 1]->text;
          auto colon = v.find(':');
          if (colon != std::string::npos && looks_literal_value(v.substr(colon + 1)))
            add("literal-secret", p + " " + t + " carries a password written into the command",
                "use a ~/.netrc file, or -u \"$USER_NAME:$PASSWORD\" from the environment");
        }
        if (p == "sshpass" && t == "-p" && i + 1 < inv.args.size() && looks_literal_value(inv.args[i + 1]->text))
          add("literal-secret", "sshpass -p carries a password written into the command",
              "use sshpass -e with SSHPASS from the environment, or a key");
        if ((p == "mysql" || p == "mysqldump" || p == "mysqladmin") && t.size() > 2 && t.starts_with("-p") &&
            looks_literal_value(t.substr(2)))
          add("literal-secret", p + " -p carries a password written into the command",
              "use MYSQL_PWD from the environment, or an option file");
        for (const char* flag : {"--password", "--token", "--api-key", "--apikey", "--secret", "--client-secret",
                                 "--http-password", "--ftp-password"}) {
          std::string f = flag;
          if (lower == f && i + 1 < inv.args.size() && looks_literal_value(inv.args[i + 1]->text))
            add("literal-secret", "the value of " + f + " is written into the command",
                "read it from an environment variable: " + f + " \"$NAME\"");
          if (lower.starts_with(f + "=") && looks_literal_value(t.substr(f.size() + 1)))
            add("literal-secret", "the value of " + f + " is written into the command",
                "read it from an environment variable: " + f + "=\"$NAME\"");
        }
        if ((lower.starts_with("authorization: bearer ") || lower.starts_with("authorization: token ")) &&
            looks_literal_value(t.substr(t.rfind(' ') + 1)))
          add("literal-secret", "an Authorization header carries a literal token",
              "use \"Authorization: Bearer $TOKEN\" with TOKEN from the environment");
        // scheme://user:password@host
        if (auto scheme = t.find("://"); scheme != std::string::npos) {
          auto at = t.find('@', scheme + 3);
          auto slash = t.find('/', scheme + 3);
          if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
            std::string userinfo = t.substr(scheme + 3, at - scheme - 3);
            auto colon = userinfo.find(':');
            if (colon != std::string::npos && looks_literal_value(userinfo.substr(colon + 1)))
              add("literal-secret", "a URL carries a password (" + t.substr(0, scheme + 3) + "user:…@…)",
                  "take the password from the environment (e.g. PGPASSWORD, or ${DB_PASSWORD} in the URL)");
          }
        }
      }
      for (const auto& w : c.words)
        if (is_assignment(w)) {
          std::string name = w.text.substr(0, w.text.find('='));
          std::string lower = text::to_lower(name);
          if ((lower.find("password") != std::string::npos || lower.find("secret") != std::string::npos ||
               lower.ends_with("token") || lower.ends_with("api_key")) &&
              looks_literal_value(w.text.substr(name.size() + 1)))
            add("literal-secret", name + " is set to a literal value in the command",
                "declare " + name + " in the scheduler's environment or a secret store, not in the plan");
        }
    }
  }

  // Placeholders a model (or a template) left behind.
  {
    std::string lower = text::to_lower(text);
    auto word_at = [&](size_t at, size_t len) {
      bool left = at == 0 || !std::isalnum(static_cast<unsigned char>(lower[at - 1]));
      bool right = at + len >= lower.size() || !std::isalnum(static_cast<unsigned char>(lower[at + len]));
      return left && right;
    };
    std::string found;
    for (const char* host : {"example.com", "example.org", "example.net"})
      if (auto at = lower.find(host); at != std::string::npos && word_at(at, std::string(host).size())) found = host;
    if (found.empty())
      for (const char* marker : {"/path/to/", "your-api-key", "your_api_key", "changeme", "change-me", "<your"})
        if (lower.find(marker) != std::string::npos) found = marker;
    // A to-do marker standing in for the command (TODO …, echo "TODO …", # TODO), not a
    // command that looks for one (grep -r TODO src/).
    if (found.empty()) {
      std::string_view trimmed = text::trim(text);
      for (const char* marker : {"TODO", "FIXME", "TBD"}) {
        std::string m = marker;
        if (trimmed.starts_with(m) || trimmed.starts_with("echo " + m) || trimmed.starts_with("echo \"" + m) ||
            trimmed.starts_with("echo '" + m) || text.find("# " + m) != std::string::npos ||
            trimmed.starts_with("# " + m) || trimmed.starts_with("#" + m))
          found = m;
      }
    }
    if (found.empty())
      for (size_t at = lower.find("your-"); at != std::string::npos; at = lower.find("your-", at + 1))
        if (word_at(at, 4) && (at == 0 || lower[at - 1] != '$')) found = text.substr(at, 12);
    if (found == "TODO" || found == "FIXME" || found == "TBD")
      add("placeholder", "the step is still a to-do: it runs no real command yet",
          "write the command (the spec's open_questions say what is missing)");
    else if (found.empty() && !todo_argument.empty())
      add("placeholder", "the command passes '" + todo_argument + "' as an argument: a value still to be filled in",
          "replace it with the real value, or a ${VAR} declared in env or params");
    else if (!found.empty())
      add("placeholder", "the command still holds a placeholder ('" + found + "')",
          "replace it with the real value, or a ${VAR} declared in env or params");
  }
  return out;
}

// ---- variables --------------------------------------------------------------------------

// Dagu 1.30.2 passes a step only a few variables of its environment (spec/variables.hpp);
// anything else a command reads must be declared, or it is empty when the step runs.
bool is_builtin_variable(const std::string& name) {
  return spec::given_by_dagu(name) || spec::set_by_shell(name) || name.starts_with("DAG_");
}

// Names the text assigns itself: NAME=…, export/local/readonly/declare NAME, for NAME in, read NAME.
void assigned_names(const std::string& text, std::set<std::string>& out) {
  Parsed parsed = parse_shell(text);
  for (const auto& c : parsed.commands) {
    const auto& w = c.words;
    for (size_t i = 0; i < w.size(); ++i) {
      if (is_assignment(w[i])) out.insert(w[i].text.substr(0, w[i].text.find('=')));
      const std::string& t = w[i].text;
      if (i == 0 && (t == "export" || t == "local" || t == "readonly" || t == "declare" || t == "typeset" ||
                     t == "read" || t == "unset"))
        for (size_t j = 1; j < w.size(); ++j) {
          std::string name = w[j].text.substr(0, w[j].text.find('='));
          if (text::is_identifier(name)) out.insert(name);
        }
      if (t == "for" && i + 1 < w.size() && text::is_identifier(w[i + 1].text)) out.insert(w[i + 1].text);
      if (t == "getopts" && i + 2 < w.size()) out.insert(w[i + 2].text);
    }
  }
}

// ---- parallel writes ----------------------------------------------------------------------

struct FileUse {
  std::set<std::string> writes;
  std::set<std::string> mentions;
};

FileUse file_use(const std::vector<Command>& commands) {
  FileUse use;
  for (const auto& command : commands) {
    Parsed parsed = parse_shell(command.text);
    for (const auto& c : parsed.commands) {
      Invocation inv = invocation_of(c);
      for (size_t i = 0; i < c.words.size(); ++i) {
        const Word& w = c.words[i];
        bool write_op = w.redirect && (w.text.find('>') != std::string::npos) && w.text.find('&') == std::string::npos;
        if (write_op && i + 1 < c.words.size() && !c.words[i + 1].text.empty() &&
            !c.words[i + 1].text.starts_with("/dev/"))
          use.writes.insert(c.words[i + 1].text);
        if (!w.redirect && w.text.size() > 1 && !w.text.starts_with("-")) use.mentions.insert(w.text);
      }
      for (size_t i = 0; i + 1 < inv.args.size(); ++i) {
        const std::string& t = inv.args[i]->text;
        if ((t == "-o" || t == "--output" || (t == "-f" && (inv.program == "pg_dump" || inv.program == "tar"))) &&
            !inv.args[i + 1]->text.starts_with("-") && inv.args[i + 1]->text != "-")
          use.writes.insert(inv.args[i + 1]->text);
      }
      if (inv.program == "tee")
        for (const Word* a : inv.args)
          if (!a->text.starts_with("-")) use.writes.insert(a->text);
    }
  }
  return use;
}

// ---- shellcheck ---------------------------------------------------------------------------

struct ShellcheckFinding {
  size_t command;  // index into the list given
  int line = 0;
  int column = 0;
  std::string code;
  std::string message;
};

std::vector<ShellcheckFinding> run_shellcheck(const std::vector<const Command*>& commands) {
  std::vector<ShellcheckFinding> out;
  if (commands.empty() || !shellcheck_available()) return out;
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec) / ("arborist-lint-" + std::to_string(::getpid()));
  fs::create_directories(dir, ec);
  if (ec) return out;
  std::vector<std::string> argv = {"shellcheck", "-f", "json1", "-s", "bash", "-S", "warning",
                                   // unset-looking variables come from the environment; no shebang in a step
                                   "-e", "SC2154,SC2148,SC1090,SC1091,SC2034"};
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < commands.size() && i < 2000; ++i) {
    fs::path file = dir / ("c" + std::to_string(i) + ".sh");
    std::ofstream(file) << commands[i]->text << "\n";
    index[file.string()] = i;
    argv.push_back(file.string());
  }
  config::SubprocessOptions options;
  options.timeout_ms = 30000;
  options.max_output_bytes = 16 << 20;
  auto run = config::run_subprocess(argv, options);
  fs::remove_all(dir, ec);
  if (!run || run->timed_out) return out;
  auto j = nlohmann::json::parse(run->out, nullptr, false);
  if (j.is_discarded() || !j.contains("comments") || !j["comments"].is_array()) return out;
  for (const auto& c : j["comments"]) {
    auto it = index.find(c.value("file", std::string()));
    if (it == index.end()) continue;
    out.push_back({it->second, c.value("line", 0), c.value("column", 0), "SC" + std::to_string(c.value("code", 0)),
                   c.value("message", std::string())});
  }
  return out;
}

}  // namespace

std::vector<std::string> programs(const std::string& command) {
  static const std::set<std::string> builtins = {
      "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "in", "function",
      "cd", "echo", "printf", "export", "set", "unset", "read", "local", "return", "exit", "test", "[", "[[", "]]",
      "true", "false", "source", ".", "eval", "shift", "trap", "wait", "type", "alias", "umask", "ulimit", "pwd",
      "declare", "readonly", "let", "break", "continue", "getopts", "!", ":", "{", "}", "exec", "command", "time"};
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::vector<std::string> pending{command};
  for (size_t round = 0; round < pending.size() && round < 64; ++round) {
    Parsed parsed = parse_shell(pending[round]);
    for (const auto& n : parsed.nested) pending.push_back(n);
    for (const auto& c : parsed.commands) {
      Invocation inv = invocation_of(c);
      const std::string& p = inv.program;
      if (p.empty() || builtins.count(p) || p.find('$') != std::string::npos || p.find('=') != std::string::npos)
        continue;
      if (seen.insert(p).second) out.push_back(p);
    }
  }
  return out;
}

bool shellcheck_available() {
  static const bool available = [] {
    const char* path = std::getenv("PATH");
    std::string_view p = path ? path : "/usr/bin:/bin";
    while (!p.empty()) {
      auto colon = p.find(':');
      std::string dir(p.substr(0, colon));
      if (!dir.empty() && ::access((dir + "/shellcheck").c_str(), X_OK) == 0) return true;
      if (colon == std::string_view::npos) break;
      p.remove_prefix(colon + 1);
    }
    return false;
  }();
  return available;
}

std::vector<std::pair<int, std::set<std::string>>> disable_comments(std::string_view text) {
  std::vector<std::pair<int, std::set<std::string>>> out;
  int line = 1;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(start, end - start);
    if (auto at = l.find("arborist-lint:"); at != std::string_view::npos && l.rfind('#', at) != std::string_view::npos) {
      std::string_view rest = text::trim(l.substr(at + 14));
      if (rest.starts_with("disable=") || rest.starts_with("disable ")) {
        rest.remove_prefix(8);
        std::set<std::string> ids;
        std::string current;
        for (char c : rest) {
          if (c == ',' || c == ' ') {
            if (!current.empty()) ids.insert(current);
            current.clear();
            if (c == ' ') break;
          } else {
            current += c;
          }
        }
        if (!current.empty()) ids.insert(current);
        out.emplace_back(line, std::move(ids));
      }
    }
    ++line;
    start = end + 1;
  }
  return out;
}

namespace {

// Applies disable comments (see disable_comments in lint.hpp).
void apply_disables(Subject& subject, std::string_view source_text) {
  if (source_text.empty()) return;
  auto comments = disable_comments(source_text);
  if (comments.empty()) return;
  // Each step's first line: where it begins, else its first command.
  std::vector<std::pair<int, size_t>> starts;
  for (size_t i = 0; i < subject.steps.size(); ++i) {
    int first = subject.steps[i].line;
    for (const auto& c : subject.steps[i].commands)
      if (c.where.line > 0 && (first == 0 || c.where.line < first)) first = c.where.line;
    if (first > 0) starts.emplace_back(first, i);
  }
  std::sort(starts.begin(), starts.end());
  for (const auto& [line, ids] : comments) {
    if (starts.empty() || line < starts.front().first - 1) {
      subject.disabled.insert(ids.begin(), ids.end());
      continue;
    }
    std::optional<size_t> target;
    for (const auto& [first, index] : starts) {
      if (first == line + 1 || first == line) {  // just above the step, or on its first line
        target = index;
        break;
      }
      if (first <= line) target = index;  // the step the comment sits in
    }
    if (target) subject.steps[*target].disabled.insert(ids.begin(), ids.end());
  }
}

Location located(const yaml::Document* doc, const std::string& file, const std::string& pointer,
                 const std::string& step) {
  Location where;
  if (doc) where = doc->location_of(file, pointer);
  where.file = file;
  where.key = pointer;
  where.step = step;
  return where;
}

std::string command_text(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const auto& part : v)
      if (part.is_string()) out += (out.empty() ? "" : " ") + part.get<std::string>();
    return out;
  }
  return {};
}

}  // namespace

Subject subject_of(const spec::Spec& spec, const yaml::Document* document, const std::string& file,
                   std::string_view source_text) {
  Subject s;
  for (const auto& e : spec.env) s.declared.insert(e.name);
  for (const auto& p : spec.params) s.declared.insert(p.name);
  s.steps.reserve(spec.steps.size());
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const auto& step = spec.steps[i];
    Subject::Step out;
    out.name = step.name;
    if (document) out.line = document->position_of("/steps/" + std::to_string(i)).line;
    out.depends_on = step.depends_on;
    out.has_timeout = step.timeout.has_value();
    const std::string base = "/steps/" + std::to_string(i);
    if (!step.command.empty()) out.commands.push_back({step.command, located(document, file, base + "/command", step.name)});
    if (!step.script.empty()) out.commands.push_back({step.script, located(document, file, base + "/script", step.name)});
    // An AI step's prompt is read as the words it becomes at run time (`arborist ask -- "…"`):
    // its ${VAR}s must be declared, and it must hold no placeholder or secret.
    if (step.ai)
      out.commands.push_back({"arborist ask -- " + text::shell_quote_prose(step.ai->prompt),
                              located(document, file, base + "/ai/prompt", step.name)});
    for (size_t k = 0; k < step.preconditions.size(); ++k)
      if (step.preconditions[k].expected.empty())
        out.commands.push_back({step.preconditions[k].condition,
                                located(document, file, base + "/preconditions/" + std::to_string(k), step.name)});
    for (const auto& e : step.env) out.declared.insert(e.name);
    if (!step.output.empty()) s.declared.insert(step.output);
    s.steps.push_back(std::move(out));
  }
  for (const auto& [key, text] : {std::pair<const char*, const std::string*>{"on_failure", &spec.on_failure},
                                  {"on_success", &spec.on_success},
                                  {"on_exit", &spec.on_exit}})
    if (!text->empty()) s.handlers.push_back({*text, located(document, file, std::string("/") + key, {})});
  apply_disables(s, source_text);
  return s;
}

Subject subject_of_dag(const yaml::Document& document, const std::string& file, std::string_view source_text) {
  Subject s;
  const auto& root = document.value;
  if (!root.is_object()) return s;
  auto declare_env = [](const nlohmann::ordered_json& env, std::set<std::string>& out) {
    if (env.is_object()) {
      for (auto it = env.begin(); it != env.end(); ++it) out.insert(it.key());
    } else if (env.is_array()) {
      for (const auto& item : env) {
        if (item.is_object())
          for (auto it = item.begin(); it != item.end(); ++it) out.insert(it.key());
        else if (item.is_string())
          out.insert(item.get<std::string>().substr(0, item.get<std::string>().find('=')));
      }
    }
  };
  if (root.contains("env")) declare_env(root["env"], s.declared);
  if (root.contains("params")) {
    const auto& params = root["params"];
    if (params.is_string()) {
      Parsed words = parse_shell(params.get<std::string>());
      for (const auto& c : words.commands)
        for (const auto& w : c.words)
          if (auto eq = w.text.find('='); eq != std::string::npos && eq > 0) s.declared.insert(w.text.substr(0, eq));
    } else {
      declare_env(params, s.declared);
    }
  }
  if (!root.contains("steps")) return s;
  const auto& steps = root["steps"];
  std::vector<std::pair<std::string, const nlohmann::ordered_json*>> list;
  list.reserve(steps.size());
  if (steps.is_array()) {
    for (size_t i = 0; i < steps.size(); ++i) list.emplace_back("/steps/" + std::to_string(i), &steps[i]);
  } else if (steps.is_object()) {
    for (auto it = steps.begin(); it != steps.end(); ++it)
      list.emplace_back("/steps/" + yaml::pointer_escape(it.key()), &it.value());
  }
  std::string previous;
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& [pointer, value] = list[i];
    if (!value->is_object()) continue;
    const auto& step = *value;
    Subject::Step out;
    out.line = document.position_of(pointer).line;
    out.name = step.contains("name") && step["name"].is_string() ? step["name"].get<std::string>()
               : step.contains("id") && step["id"].is_string() ? step["id"].get<std::string>()
                                                                : "step " + std::to_string(i + 1);
    for (const char* key : {"depends", "depends_on"})
      if (step.contains(key)) {
        if (step[key].is_string()) out.depends_on.push_back(step[key].get<std::string>());
        if (step[key].is_array())
          for (const auto& d : step[key])
            if (d.is_string()) out.depends_on.push_back(d.get<std::string>());
      }
    out.has_timeout = step.contains("timeout") || step.contains("timeoutSec") || step.contains("timeout_sec");
    for (const char* key : {"command", "script", "run"})
      if (step.contains(key)) {
        std::string text = command_text(step[key]);
        if (!text.empty()) out.commands.push_back({text, located(&document, file, pointer + "/" + key, out.name)});
      }
    // A chat step's prompt (2.7+ with.prompt; type chat messages): Dagu fills its ${VAR}s.
    if (step.contains("with") && step["with"].is_object() && step["with"].contains("prompt") &&
        step["with"]["prompt"].is_string())
      out.commands.push_back({"arborist ask -- " + text::shell_quote_prose(step["with"]["prompt"].get<std::string>()),
                              located(&document, file, pointer + "/with/prompt", out.name)});
    if (step.contains("messages") && step["messages"].is_array())
      for (size_t m = 0; m < step["messages"].size(); ++m)
        if (const auto& msg = step["messages"][m]; msg.is_object() && msg.contains("content") && msg["content"].is_string())
          out.commands.push_back({"arborist ask -- " + text::shell_quote_prose(msg["content"].get<std::string>()),
                                  located(&document, file, pointer + "/messages/" + std::to_string(m), out.name)});
    if (step.contains("env")) declare_env(step["env"], out.declared);
    if (step.contains("output") && step["output"].is_string()) s.declared.insert(step["output"].get<std::string>());
    s.steps.push_back(std::move(out));
  }
  for (const char* handlers : {"handlerOn", "handler_on"})
    if (root.contains(handlers) && root[handlers].is_object())
      for (auto it = root[handlers].begin(); it != root[handlers].end(); ++it)
        if (it.value().is_object())
          for (const char* key : {"command", "script"})
            if (it.value().contains(key)) {
              std::string text = command_text(it.value()[key]);
              if (!text.empty())
                s.handlers.push_back({text, located(&document, file,
                                                    std::string("/") + handlers + "/" + it.key() + "/" + key, {})});
            }
  apply_disables(s, source_text);
  return s;
}

std::vector<Problem> check(const Subject& subject, const Options& options) {
  std::vector<Problem> out;
  const std::string description = text::to_lower(options.description);
  auto enabled = [&](const char* rule, const std::set<std::string>& step_disabled) {
    return !options.disabled.count(rule) && !subject.disabled.count(rule) && !step_disabled.count(rule) &&
           !step_disabled.count("all") && !subject.disabled.count("all");
  };
  auto emit = [&](const Finding& f, const Command& c) {
    Problem p;
    p.severity = Severity::warning;
    p.rule = f.rule;
    p.message = f.message + " [" + f.rule + "]";
    p.hint = f.hint;
    p.where = c.where;
    out.push_back(std::move(p));
  };

  std::set<std::string> everywhere_assigned;
  for (const auto& step : subject.steps)
    for (const auto& c : step.commands) assigned_names(c.text, everywhere_assigned);

  static const std::set<std::string> no_set;
  // A $NAME the command reads that nothing declares (handlers read the plan's env too).
  auto check_variables = [&](const Command& c, const std::set<std::string>& step_declared) {
    std::set<std::string> local;
    assigned_names(c.text, local);
    std::set<std::string> reported;
    for (const auto& name : spec::environment_references(c.text)) {
      if (subject.declared.count(name) || step_declared.count(name) || local.count(name) ||
          everywhere_assigned.count(name) || is_builtin_variable(name) || !reported.insert(name).second)
        continue;
      emit({"undeclared-variable", "$" + name + " is read but never declared in the plan",
            "declare it under env: (or params:) with its value or ${" + name + "} from the scheduler's "
            "environment, or give a default: ${" + name + ":-value}"},
           c);
    }
  };
  for (const auto& step : subject.steps) {
    for (const auto& c : step.commands) {
      for (const auto& f : check_text(c.text, step.has_timeout))
        if (enabled(f.rule, step.disabled)) emit(f, c);
      if (enabled("undeclared-variable", step.disabled)) check_variables(c, step.declared);
    }
  }
  for (const auto& c : subject.handlers) {
    for (const auto& f : check_text(c.text, true))
      if (enabled(f.rule, no_set)) emit(f, c);
    if (enabled("undeclared-variable", no_set)) check_variables(c, no_set);
  }

  // Steps that may run at the same time: neither depends on the other, directly or not.
  if (subject.steps.size() >= 2) {
    NameIndex index(subject.steps.size());
    for (size_t i = 0; i < subject.steps.size(); ++i) index.insert(subject.steps[i].name, static_cast<std::uint32_t>(i));
    std::vector<FileUse> uses;
    uses.reserve(subject.steps.size());
    bool any_write = false;
    for (const auto& step : subject.steps) {
      uses.push_back(file_use(step.commands));
      any_write |= !uses.back().writes.empty();
    }
    auto ancestor = [&](size_t from, size_t target) {  // is `target` reachable upstream of `from`?
      std::vector<size_t> stack{from};
      std::vector<char> seen(subject.steps.size(), 0);
      while (!stack.empty()) {
        size_t s = stack.back();
        stack.pop_back();
        for (const auto& d : subject.steps[s].depends_on) {
          const std::uint32_t at = index.find(d);
          if (at == NameIndex::npos || seen[at]) continue;
          if (at == target) return true;
          seen[at] = 1;
          stack.push_back(at);
        }
      }
      return false;
    };
    size_t checked_pairs = 0;
    if (any_write)
      for (size_t a = 0; a < subject.steps.size() && checked_pairs < 500; ++a)
        for (const auto& path : uses[a].writes)
          for (size_t b = 0; b < subject.steps.size() && checked_pairs < 500; ++b) {
            if (a == b || !uses[b].mentions.count(path)) continue;
            if (uses[b].writes.count(path) && b < a) continue;  // both write: report once
            ++checked_pairs;
            if (ancestor(a, b) || ancestor(b, a)) continue;
            const auto& step = subject.steps[a];
            if (!enabled("parallel-write-conflict", step.disabled) ||
                subject.steps[b].disabled.count("parallel-write-conflict") || step.commands.empty())
              continue;
            emit({"parallel-write-conflict",
                  "step '" + step.name + "' writes " + path + " while step '" + subject.steps[b].name + "' " +
                      (uses[b].writes.count(path) ? "also writes it" : "reads it") + ", and the two may run at the same time",
                  "add depends_on: [" + step.name + "] to '" + subject.steps[b].name + "' (or the other way round)"},
                 step.commands.front());
          }
  }

  if (options.shellcheck && !options.disabled.count("shellcheck") && !subject.disabled.count("shellcheck")) {
    std::vector<const Command*> commands;
    std::vector<const Subject::Step*> owners;
    for (const auto& step : subject.steps)
      if (!step.disabled.count("shellcheck"))
        for (const auto& c : step.commands) {
          commands.push_back(&c);
          owners.push_back(&step);
        }
    for (const auto& c : subject.handlers) {
      commands.push_back(&c);
      owners.push_back(nullptr);
    }
    for (const auto& f : run_shellcheck(commands)) {
      const Command& c = *commands[f.command];
      Problem p;
      p.severity = Severity::warning;
      p.rule = "shellcheck";
      p.message = f.code + ": " + f.message + " [shellcheck]";
      p.hint = "https://www.shellcheck.net/wiki/" + f.code;
      p.where = c.where;
      // A multi-line script (`script: |`) starts on the line after its key: its line N is
      // that line + N. A one-line command stays at its key (the column inside the value is not
      // known once YAML has unquoted it).
      if (c.where.line > 0 && c.text.find('\n') != std::string::npos) {
        p.where.line = c.where.line + f.line;
        p.where.column = f.column;
      }
      out.push_back(std::move(p));
    }
  }
  (void)description;
  return out;
}

std::set<std::string> assigned_in(const std::string& command) {
  std::set<std::string> out;
  assigned_names(command, out);
  return out;
}

std::vector<Problem> check_dag_documents(const std::vector<yaml::Document>& documents, const std::string& file,
                                         std::string_view source_text, const Options& options) {
  std::vector<Problem> out;
  for (const auto& document : documents) {
    auto found = check(subject_of_dag(document, file, source_text), options);
    out.insert(out.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  return out;
}

std::set<std::string> command_texts(const spec::Spec& spec) {
  std::set<std::string> out;
  Subject subject = subject_of(spec);
  for (const auto& step : subject.steps)
    for (const auto& c : step.commands) out.insert(c.text);
  for (const auto& c : subject.handlers) out.insert(c.text);
  return out;
}

std::vector<Problem> ai_errors(const spec::Spec& spec, const std::string& description,
                               const std::set<std::string>& existing_commands) {
  std::vector<Problem> out;
  // What the user's own words already do: a rule that fires on the description itself (its
  // back-quoted commands are read as commands) is the user's request, not the model's idea.
  // Matching the command text instead would let "rm -rf /" pass because the user wrote
  // "rm -rf /tmp/build".
  std::set<std::string> asked;
  for (const auto& f : check_text(description, true)) asked.insert(f.rule);
  Subject subject = subject_of(spec);
  auto check_command = [&](const Command& c, const std::string& whose) {
    if (existing_commands.count(c.text)) return;
    for (const auto& f : check_text(c.text, true)) {
      const Rule* rule = find_rule(f.rule);
      if (!rule || !rule->blocks_ai || asked.count(f.rule)) continue;
      Problem p;
      p.severity = Severity::error;
      p.rule = f.rule;
      p.message = "the " + std::string(c.where.key.ends_with("/script") ? "script" : "command") + " of " + whose +
                  ": " + f.message + " [" + f.rule + "]";
      p.hint = f.hint;
      p.where = c.where;
      out.push_back(std::move(p));
    }
  };
  for (const auto& step : subject.steps)
    for (const auto& c : step.commands) check_command(c, "step '" + step.name + "'");
  // Handlers run too (on_failure is the one that runs when things are already going wrong).
  for (const auto& c : subject.handlers)
    check_command(c, "the " + (c.where.key.empty() ? std::string("handler") : c.where.key.substr(1)) + " handler");
  return out;
}

}  // namespace arborist::lint
