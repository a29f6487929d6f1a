#include "plan/offline/words.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <unordered_set>

namespace arborist::plan::offline {

namespace {

bool is_word_byte(unsigned char c) {
  return std::isalnum(c) || c >= 0x80;
}

const std::unordered_set<std::string_view>& action_verbs() {
  // Verbs that begin an action. Splitting "A and B" needs B to start with one of
  // these, so "search and replace" or "the db and the files" stay one clause.
  static const std::unordered_set<std::string_view> verbs = {
      "alert",      "analyse",  "analyze",  "archive", "back",     "backup",    "build",    "calculate", "check",
      "clean",      "cleanup",  "clear",    "clone",   "compile",  "compress",  "compute",  "convert",   "copy",
      "create",     "decrypt",  "delete",   "deploy",  "download", "dump",      "email",    "encrypt",   "evaluate",
      "execute",    "export",   "extract",  "fetch",   "format",   "generate",  "import",   "index",     "install",
      "invalidate", "lint",     "load",     "mail",    "message",  "migrate",   "mirror",   "move",      "notify",
      "optimise",   "optimize", "package",  "ping",    "post",     "process",   "prune",    "publish",   "pull",
      "purge",      "push",     "rebuild",  "refresh", "reindex",  "release",   "reload",   "remove",    "render",
      "renew",      "resize",   "restart",  "restore", "roll",     "rotate",    "rsync",    "run",       "scan",
      "seed",       "send",     "ship",     "sign",    "sleep",    "snapshot",  "start",    "stop",      "sync",
      "tag",        "tar",      "test",     "train",   "transfer", "transform", "truncate", "unpack",    "unzip",
      "update",     "upgrade",  "upload",   "vacuum",  "validate", "verify",    "wait",     "warm",      "zip",
      "text",       "page",     "trigger",  "kick",    "launch",   "provision", "apply",    "bump",      "commit",
      "merge",      "print",    "write",    "save",    "store",    "collect",   "gather",   "aggregate", "report",
      "tell",       "inform",   "announce", "warn",    "remind",    "hit",      "probe",    "poll",     "slack",    "eval",     "fine-tune", "finetune", "retrain",
      "patch",      "flip",     "toggle",   "enable",  "disable",
  };
  return verbs;
}

// Misspellings people type fast, of words the planner reads (schedules, verbs, objects). A
// token reads as its correction; its bytes in the text stay as typed. A fixed list, never a
// guess: "backpu" is "backup", but no unknown word is bent into a known one.
const std::unordered_map<std::string_view, std::string_view>& typos() {
  static const std::unordered_map<std::string_view, std::string_view> words = {
      {"evry", "every"},         {"everey", "every"},       {"evey", "every"},         {"eveyr", "every"},
      {"teh", "the"},            {"hte", "the"},            {"nigthly", "nightly"},    {"nighlty", "nightly"},
      {"nightyl", "nightly"},    {"nighly", "nightly"},     {"nitely", "nightly"},     {"nightley", "nightly"},
      {"backpu", "backup"},      {"bakup", "backup"},       {"backupp", "backup"},     {"bacup", "backup"},
      {"bckup", "backup"},       {"databse", "database"},   {"datbase", "database"},   {"databsae", "database"},
      {"dtabase", "database"},   {"dosnt", "doesn't"},      {"doesnt", "doesn't"},     {"didnt", "didn't"},
      {"isnt", "isn't"},         {"wont", "won't"},         {"cant", "can't"},         {"depoly", "deploy"},
      {"deplyo", "deploy"},      {"delpoy", "deploy"},      {"dpeloy", "deploy"},      {"biuld", "build"},
      {"buidl", "build"},        {"bulid", "build"},        {"tets", "test"},          {"tset", "test"},
      {"tetss", "tests"},        {"tsets", "tests"},        {"restat", "restart"},     {"retsart", "restart"},
      {"rsetart", "restart"},    {"udpate", "update"},      {"upadte", "update"},      {"uplaod", "upload"},
      {"uplod", "upload"},       {"donwload", "download"},  {"dowload", "download"},   {"downlaod", "download"},
      {"delte", "delete"},       {"deleet", "delete"},      {"dleete", "delete"},      {"vaccum", "vacuum"},
      {"vacum", "vacuum"},       {"vaccuum", "vacuum"},     {"emial", "email"},        {"eamil", "email"},
      {"emali", "email"},        {"slakc", "slack"},        {"slcak", "slack"},        {"notfiy", "notify"},
      {"notifiy", "notify"},     {"nofity", "notify"},      {"paralel", "parallel"},   {"parralel", "parallel"},
      {"paralell", "parallel"},  {"parallell", "parallel"}, {"thne", "then"},          {"hten", "then"},
      {"afer", "after"},         {"aftre", "after"},        {"befor", "before"},       {"whne", "when"},
      {"fials", "fails"},        {"falis", "fails"},        {"failes", "fails"},       {"fial", "fail"},
      {"sucess", "success"},     {"succes", "success"},     {"succeds", "succeeds"},   {"retyr", "retry"},
      {"rety", "retry"},         {"timout", "timeout"},     {"timeot", "timeout"},     {"mintues", "minutes"},
      {"minuets", "minutes"},    {"minites", "minutes"},    {"hourley", "hourly"},     {"hourlly", "hourly"},
      {"weekley", "weekly"},     {"weelky", "weekly"},      {"monthy", "monthly"},     {"montly", "monthly"},
      {"dialy", "daily"},        {"daliy", "daily"},        {"sunady", "sunday"},      {"sundya", "sunday"},
      {"mondya", "monday"},      {"tuesdya", "tuesday"},    {"wendesday", "wednesday"}, {"wednsday", "wednesday"},
      {"wensday", "wednesday"},  {"thrusday", "thursday"},  {"thursdy", "thursday"},   {"firday", "friday"},
      {"fridya", "friday"},      {"saturaday", "saturday"}, {"satruday", "saturday"},  {"midnite", "midnight"},
      {"tommorow", "tomorrow"},  {"tomorow", "tomorrow"},   {"instal", "install"},     {"migarte", "migrate"},
      {"mirgate", "migrate"},    {"compres", "compress"},   {"archvie", "archive"},    {"sumary", "summary"},
      {"summery", "summary"},    {"sumarize", "summarize"}, {"reprot", "report"},
      {"rpeort", "report"},      {"certifcates", "certificates"}, {"certficates", "certificates"},
      {"logss", "logs"},         {"lgos", "logs"},          {"pipline", "pipeline"},   {"enviroment", "environment"},
      {"nothin", "nothing"},      {"nuthin", "nothing"},      {"servce", "service"},      {"sevice", "service"},
      {"midnite", "midnight"},    {"tht", "that"},     {"producton", "production"}, {"prodcution", "production"}, {"stagign", "staging"}, {"satging", "staging"},
  };
  return words;
}

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    Token t;
    t.begin = i;
    if (is_word_byte(c)) {
      t.word = true;
      while (i < n) {
        auto d = static_cast<unsigned char>(text[i]);
        if (is_word_byte(d)) {
          t.text += static_cast<char>(d < 0x80 ? std::tolower(d) : d);
          ++i;
        } else if ((d == '-' || d == '_' || d == '.' || d == '\'') && i + 1 < n &&
                   is_word_byte(static_cast<unsigned char>(text[i + 1]))) {
          t.text += static_cast<char>(d);
          ++i;
        } else {
          break;
        }
      }
    } else {
      t.text = std::string(1, static_cast<char>(c));
      ++i;
    }
    t.end = i;
    if (t.word)
      if (auto fix = typos().find(t.text); fix != typos().end()) t.text = std::string(fix->second);
    tokens.push_back(std::move(t));
  }
  return tokens;
}

bool is_action_verb(std::string_view word) {
  return action_verbs().contains(word);
}

std::string verb_form(std::string_view word) {
  std::string w(word);
  if (is_action_verb(w)) return w;
  std::string joined;  // "back-up" -> "backup", "re-index" -> "reindex"
  for (char c : w)
    if (c != '-') joined += c;
  if (joined != w && is_action_verb(joined)) return joined;
  w = joined;
  auto try_stem = [&](std::string_view stem) -> std::string {
    std::string s(stem);
    if (is_action_verb(s)) return s;
    if (is_action_verb(s + "e")) return s + "e";
    // "running" -> "runn" -> "run"
    if (s.size() >= 2 && s[s.size() - 1] == s[s.size() - 2] && is_action_verb(s.substr(0, s.size() - 1)))
      return s.substr(0, s.size() - 1);
    return {};
  };
  for (std::string_view suffix : {"ing", "ed", "es", "s"}) {
    if (w.size() > suffix.size() + 2 && w.ends_with(suffix)) {
      auto stem = try_stem(std::string_view(w).substr(0, w.size() - suffix.size()));
      if (!stem.empty()) return stem;
    }
  }
  if (w == "built") return "build";
  if (w == "ran") return "run";
  if (w == "sent") return "send";
  return std::string(word);
}

bool is_filler(std::string_view word) {
  static const std::unordered_set<std::string_view> fillers = {
      "please", "also",          "first",   "firstly", "secondly", "thirdly", "we",    "i",    "you",    "should",
      "must",   "will",          "need",    "needs",   "want",     "wants",   "to",    "then", "and",    "just",
      "both",   "with",          "can",     "could",   "would",    "lets",    "let's", "let",  "us",     "go",
      "ahead",  "next",          "finally", "lastly",  "start",    "by",      "begin", "it",   "should", "shall",
      "always", "automatically", "step",    "&",       "plus",     "so",      "that",  "now",
  };
  return fillers.contains(word);
}

bool is_stopword(std::string_view word) {
  static const std::unordered_set<std::string_view> stop = {
      "a",    "an",     "the",     "it",     "its",  "this", "that", "these", "those", "all",  "our",   "my",
      "your", "their",  "of",      "to",     "for",  "on",   "in",   "into",  "onto",  "from", "with",  "and",
      "or",   "up",     "out",     "down",   "off",  "then", "too",  "also",  "some",  "any",  "each",  "every",
      "new",  "latest", "current", "them",   "is",   "are",  "be",   "by",    "at",    "as",   "so",    "please",
      "we",   "i",      "you",     "should", "must", "will", "just", "again", "over",  "via",  "using", "&",
  };
  return stop.contains(word);
}

std::string clean_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = p[i];
    if (c < 0x80) {
      if (c >= 0x20 || c == '\n' || c == '\t') out += static_cast<char>(c);
      if (c == '\r' && !(i + 1 < s.size() && p[i + 1] == '\n')) out += '\n';
      ++i;
      continue;
    }
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len != 0 && i + len <= s.size();
    unsigned cp = ok ? (c & (0x7F >> len)) : 0;
    for (size_t k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    static constexpr std::array<unsigned, 5> min_for_len = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string_view utf8_prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

}  // namespace arborist::plan::offline
