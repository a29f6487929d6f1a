#include "plan/offline/structure.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "plan/offline/words.hpp"

namespace arborist::plan::offline {

namespace {

bool is_particle(std::string_view w) {
  return w == "up" || w == "out" || w == "down" || w == "off" || w == "over";
}

bool is_sequence_word(std::string_view w) {
  return w == "then" || w == "afterwards" || w == "afterward" || w == "subsequently" || w == "finally" || w == "lastly";
}

bool is_completion_word(std::string_view w) {
  return w == "done" || w == "finished" || w == "finishes" || w == "complete" || w == "completes" || w == "completed" ||
         w == "succeeds" || w == "succeeded" || w == "over" || w == "through" || w == "ends";
}

bool is_sentence_end(const Token& t) {
  return !t.word && (t.text == "." || t.text == "!" || t.text == "?" || t.text == ";");
}

// Index of the first action verb in tokens[from..], after filler words; npos if none.
size_t action_verb_at(const std::vector<Token>& tokens, size_t from) {
  for (size_t j = from, skipped = 0; j < tokens.size() && skipped <= 4; ++j, ++skipped) {
    if (!tokens[j].word) return std::string::npos;
    if (is_action_verb(verb_form(tokens[j].text))) return j;
    if (!is_filler(tokens[j].text)) return std::string::npos;
  }
  return std::string::npos;
}

// Length of a parallel marker at i ("in parallel", "at the same time", "simultaneously" …), or 0.
size_t parallel_marker(const std::vector<Token>& t, size_t i) {
  auto is = [&](size_t k, std::string_view w) { return k < t.size() && t[k].text == w; };
  if (is(i, "in") && is(i + 1, "parallel")) return 2;
  if (is(i, "at") && is(i + 1, "the") && is(i + 2, "same") && is(i + 3, "time")) return 4;
  if (is(i, "simultaneously") || is(i, "concurrently") || is(i, "parallelly")) return 1;
  if (is(i, "parallel") && is(i + 1, ":")) return 1;
  return 0;
}

struct LineShape {
  int indent = 0;
  bool list_item = false;
  std::string_view body;
};

// Leading indentation, then an optional list marker: "-", "*", "+", "•", "–", "1.", "1)", "(1)", "a)",
// "Step 1:", then an optional checkbox "[ ]" / "[x]".
LineShape shape_of(std::string_view line) {
  LineShape s;
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) s.indent += line[i++] == '\t' ? 4 : 1;
  std::string_view rest = line.substr(i);
  auto after = [&](size_t n) {
    s.list_item = true;
    rest = rest.substr(n);
  };
  auto space_or_end = [&](size_t n) { return n >= rest.size() || rest[n] == ' ' || rest[n] == '\t'; };
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '*' || rest[0] == '+') && space_or_end(1)) {
    after(1);
  } else if ((rest.starts_with("\xE2\x80\xA2") || rest.starts_with("\xE2\x80\x93")) && space_or_end(3)) {
    after(3);
  } else {
    size_t d = 0;
    size_t open = !rest.empty() && rest[0] == '(' ? 1 : 0;
    while (open + d < rest.size() && d < 3 && std::isdigit(static_cast<unsigned char>(rest[open + d]))) ++d;
    size_t k = open + d;
    if (d == 0 && open == 0 && rest.size() >= 2 && std::isalpha(static_cast<unsigned char>(rest[0])) &&
        rest[1] == ')') {
      if (space_or_end(2)) after(2);
    } else if (d > 0 && k < rest.size() && (rest[k] == '.' || rest[k] == ')') && space_or_end(k + 1)) {
      after(k + 1);
    } else if (text::starts_with_ci(rest, "step ")) {
      size_t n = 5;
      size_t digits = 0;
      while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n, ++digits;
      if (digits > 0 && n < rest.size() && (rest[n] == ':' || rest[n] == '.' || rest[n] == ')')) after(n + 1);
    }
  }
  rest = text::trim(rest);
  if (rest.starts_with("[ ]") || rest.starts_with("[x]") || rest.starts_with("[X]")) rest = text::trim(rest.substr(3));
  s.body = rest;
  return s;
}

// The object of an action clause: the words after its verb ("push the image" -> "the image").
std::string object_of(std::string_view clause) {
  auto tokens = tokenize(clause);
  size_t v = action_verb_at(tokens, 0);
  if (v == std::string::npos) return {};
  size_t j = v + 1;
  while (j < tokens.size() && tokens[j].word && is_particle(tokens[j].text)) ++j;
  if (j >= tokens.size()) return {};
  return std::string(text::trim(clause.substr(tokens[j].begin)));
}

// A clause that is only a verb ("build", "back up"): it shares the object of a later clause.
bool is_bare_verb(std::string_view clause) {
  auto tokens = tokenize(clause);
  size_t v = action_verb_at(tokens, 0);
  if (v == std::string::npos) return false;
  for (size_t j = v + 1; j < tokens.size(); ++j)
    if (tokens[j].word && !is_particle(tokens[j].text)) return false;
  return true;
}

class LineParser {
 public:
  explicit LineParser(std::string_view body) : body_(body), t_(tokenize(body)) {}

  Node parse() {
    size_t i = 0;
    while (i < t_.size()) i = step(i);
    end_group();
    return std::move(sequence_);
  }

 private:
  std::string_view body_;
  std::vector<Token> t_;
  Node sequence_{Node::Kind::sequence};
  Node group_{Node::Kind::parallel};
  size_t item_first_ = std::string::npos, item_last_ = 0;

  bool item_empty() const { return item_first_ == std::string::npos; }
  bool item_has_action() const {
    for (size_t k = item_first_; k <= item_last_; ++k)
      if (t_[k].word && is_action_verb(verb_form(t_[k].text))) return true;
    return false;
  }
  bool is(size_t k, std::string_view w) const { return k < t_.size() && t_[k].text == w; }

  void end_item() {
    if (item_empty()) return;
    size_t first = item_first_, last = item_last_;
    item_first_ = std::string::npos;
    static constexpr std::string_view kLeading[] = {"and",      "also",    "first",      "firstly", "please",  "both",
                                                    "with",     "then",    "just",       "next",    "finally", "lastly",
                                                    "secondly", "thirdly", "afterwards", "&",       "plus",    "now"};
    auto leading = [&](const Token& t) {
      return !t.word ? t.text != "`" && t.text != "." && t.text != "/" && t.text != "~" && t.text != "$" &&
                           t.text != "\"" && t.text != "'"
                     : std::find(std::begin(kLeading), std::end(kLeading), t.text) != std::end(kLeading);
    };
    while (first <= last && leading(t_[first])) ++first;
    while (last > first && !t_[last].word && (t_[last].text == "," || t_[last].text == ":" || t_[last].text == "-"))
      --last;
    if (first > last) return;
    bool has_word = false;
    for (size_t k = first; k <= last && !has_word; ++k) has_word = t_[k].word;
    if (!has_word) return;
    Node clause{Node::Kind::clause};
    clause.text = std::string(body_.substr(t_[first].begin, t_[last].end - t_[first].begin));
    group_.children.push_back(std::move(clause));
  }

  void end_group() {
    end_item();
    if (group_.children.empty()) {
      group_.explicit_parallel = false;
      return;
    }
    auto& items = group_.children;
    // "run the linter and the tests at the same time": said to be parallel, so the "and"
    // splits even without a second verb, and the verb carries over ("run the tests").
    if (group_.explicit_parallel && items.size() == 1) split_shared_verb(items);
    // "build and push the image": a bare verb shares the object of the clause after it.
    // Right to left, so each clause is looked at once ("build and test and test …" stays linear).
    std::string next_object;
    for (size_t k = items.size(); k-- > 0;) {
      if (is_bare_verb(items[k].text)) {
        if (!next_object.empty()) items[k].text += " " + next_object;
      } else if (std::string object = object_of(items[k].text); !object.empty()) {
        next_object = std::move(object);
      }
    }
    sequence_.children.push_back(std::move(group_));
    group_ = Node{Node::Kind::parallel};
  }

  static void split_shared_verb(std::vector<Node>& items) {
    const std::string whole = items.front().text;
    auto tokens = tokenize(whole);
    std::vector<std::string> parts;
    size_t from = 0;
    for (const auto& t : tokens) {
      if (t.text == "and" || t.text == "," || t.text == "&") {
        std::string part(text::trim(std::string_view(whole).substr(from, t.begin - from)));
        if (!part.empty()) parts.push_back(part);
        from = t.end;
      }
    }
    std::string last(text::trim(std::string_view(whole).substr(std::min(from, whole.size()))));
    if (!last.empty()) parts.push_back(last);
    if (parts.size() < 2) return;
    auto first_tokens = tokenize(parts.front());
    size_t v = action_verb_at(first_tokens, 0);
    if (v == std::string::npos) return;
    size_t verb_end = first_tokens[v].end;
    if (v + 1 < first_tokens.size() && is_particle(first_tokens[v + 1].text)) verb_end = first_tokens[v + 1].end;
    std::string verb = parts.front().substr(first_tokens[v].begin, verb_end - first_tokens[v].begin);
    items.clear();
    for (auto& part : parts) {
      Node clause{Node::Kind::clause};
      clause.text = starts_with_action(part) ? part : verb + " " + part;
      items.push_back(std::move(clause));
    }
  }

  void add(size_t i) {
    if (item_empty()) item_first_ = i;
    item_last_ = i;
  }

  // Consumes a subordinate "once/when/after … done," clause at the start of an item; 0 if none.
  size_t after_clause(size_t i) const {
    size_t start = i;
    if (is(i, "as") && is(i + 1, "soon") && is(i + 2, "as"))
      i += 2;
    else if (!is(i, "once") && !is(i, "when") && !is(i, "after"))
      return 0;
    for (size_t k = i + 1; k < t_.size() && k < i + 20; ++k) {
      if (is_sentence_end(t_[k])) break;
      if (t_[k].word && is_completion_word(t_[k].text)) return k + 1 + (is(k + 1, ",") ? 1 : 0) - start;
    }
    if (is(start, "after")) {
      for (size_t k = i + 1; k < t_.size() && k < i + 12; ++k) {
        if (is_sentence_end(t_[k])) break;
        if (is(k, ",")) return k + 1 - start;
      }
    }
    return 0;
  }

  size_t step(size_t i) {
    const Token& tok = t_[i];
    // '.' ends a sentence only before a space or the end ("./deploy.sh" and "v1.2" do not).
    if (is_sentence_end(tok) && (tok.text != "." || tok.end >= body_.size() || body_[tok.end] == ' ' ||
                                 body_[tok.end] == '\t' || body_[tok.end] == '"' || body_[tok.end] == ')')) {
      end_group();
      return i + 1;
    }
    if (size_t n = parallel_marker(t_, i)) {
      end_item();
      group_.explicit_parallel = true;
      return i + n;
    }
    if (tok.word) {
      const std::string& w = tok.text;
      if (is_sequence_word(w)) {
        end_group();
        return i + 1;
      }
      if ((w == "after" && (is(i + 1, "that") || is(i + 1, "this"))) || (w == "and" && is(i + 1, "then"))) {
        end_group();
        return i + 2;
      }
      if (w == "next" && (item_empty() || (i > 0 && (t_[i - 1].text == "," || t_[i - 1].text == "and")))) {
        end_group();
        return i + 1;
      }
      if (item_empty() || (i > 0 && t_[i - 1].text == ",")) {
        if (size_t n = after_clause(i)) {
          end_group();
          return i + n;
        }
      }
      if (w == "and" || w == "&" || w == "plus" || w == "while") {
        if (i + 1 < t_.size() && t_[i + 1].word && is_sequence_word(t_[i + 1].text)) return i + 1;
        if (action_verb_at(t_, i + 1) != std::string::npos) {
          end_item();
          if (w == "while") group_.explicit_parallel = true;
          return i + 1;
        }
      }
      if (w == "as" && is(i + 1, "well") && is(i + 2, "as") && action_verb_at(t_, i + 3) != std::string::npos) {
        end_item();
        return i + 3;
      }
      add(i);
      return i + 1;
    }
    if (tok.text == ":" && (tok.end >= body_.size() || body_[tok.end] == ' ' || body_[tok.end] == '\t') &&
        !item_empty() && !item_has_action()) {
      item_first_ = std::string::npos;  // "Step one: compile" — the words before ':' only name what follows
      return i + 1;
    }
    if (tok.text == "," || tok.text == ":") {
      bool next_is_marker = i + 1 < t_.size() && t_[i + 1].word &&
                            (is_sequence_word(t_[i + 1].text) || t_[i + 1].text == "next" || t_[i + 1].text == "once" ||
                             t_[i + 1].text == "when" || t_[i + 1].text == "after" || parallel_marker(t_, i + 1) > 0);
      if (next_is_marker || action_verb_at(t_, i + 1) != std::string::npos ||
          (group_.explicit_parallel && tok.text == ",")) {
        end_item();
        return i + 1;
      }
    }
    add(i);
    return i + 1;
  }
};

Node parse_line(std::string_view body) {
  return LineParser(body).parse();
}

// A line that only announces parallel work: "In parallel:", "Then, at the same time, run:".
bool is_parallel_heading(std::string_view body) {
  auto tokens = tokenize(body);
  bool marker = false;
  for (size_t i = 0; i < tokens.size(); ++i) marker = marker || parallel_marker(tokens, i) > 0;
  if (!marker) return false;
  if (body.ends_with(":")) return true;
  for (const auto& t : tokens)
    if (t.word && t.text != "run" && t.text != "do" && is_action_verb(verb_form(t.text))) return false;
  return true;
}

void add_flattened(Node& parent, Node child);

Node* last_clause(Node& n) {
  if (n.kind == Node::Kind::clause) return &n;
  for (auto it = n.children.rbegin(); it != n.children.rend(); ++it)
    if (Node* found = last_clause(*it)) return found;
  return nullptr;
}

Node simplified(Node node) {
  if (node.kind == Node::Kind::clause) return node;
  Node out{node.kind};
  out.explicit_parallel = node.explicit_parallel;
  for (auto& c : node.children) add_flattened(out, simplified(std::move(c)));
  if (out.children.size() == 1) return std::move(out.children.front());
  return out;
}

// Splices a child of the same kind into its parent (a sequence in a sequence) and drops empty groups.
void add_flattened(Node& parent, Node child) {
  if (child.kind != Node::Kind::clause && child.children.empty()) return;
  if (child.kind == parent.kind && child.kind == Node::Kind::sequence) {
    for (auto& c : child.children) parent.children.push_back(std::move(c));
    return;
  }
  if (child.kind == parent.kind && child.kind == Node::Kind::parallel &&
      child.explicit_parallel == parent.explicit_parallel) {
    for (auto& c : child.children) parent.children.push_back(std::move(c));
    return;
  }
  parent.children.push_back(std::move(child));
}

}  // namespace

bool starts_with_action(std::string_view clause) {
  return action_verb_at(tokenize(clause), 0) != std::string::npos;
}

Node parse_structure(std::string_view text) {
  auto lines = text::split_lines(text);
  Node root{Node::Kind::sequence};
  int last_item_indent = -1;
  size_t i = 0;
  while (i < lines.size()) {
    LineShape line = shape_of(lines[i]);
    ++i;
    if (line.body.empty()) continue;
    if (!is_parallel_heading(line.body) && line.body.ends_with(":")) {
      // "Deploy the app:" over a list names what the list items do; the items are the steps.
      size_t k = i;
      while (k < lines.size() && text::trim(lines[k]).empty()) ++k;
      if (k < lines.size()) {
        LineShape next = shape_of(lines[k]);
        if (next.list_item && (!line.list_item || next.indent > line.indent)) continue;
      }
    }
    if (!is_parallel_heading(line.body)) {
      // A sub-item without an action is detail of the item above it, not a step of its own.
      if (line.list_item && line.indent > last_item_indent && last_item_indent >= 0 && !starts_with_action(line.body)) {
        if (Node* last = last_clause(root)) {
          last->text += " (" + std::string(line.body) + ")";
          continue;
        }
      }
      if (line.list_item && (last_item_indent < 0 || line.indent <= last_item_indent || starts_with_action(line.body)))
        last_item_indent = line.indent;
      root.children.push_back(parse_line(line.body));
      continue;
    }
    // The list items under an "In parallel:" heading run side by side; items indented
    // deeper than the first one belong to the item above them (in sequence).
    root.children.push_back(parse_line(line.body));
    Node block{Node::Kind::parallel};
    block.explicit_parallel = true;
    int item_indent = -1;
    while (i < lines.size()) {
      LineShape item = shape_of(lines[i]);
      if (item.body.empty()) {
        ++i;
        continue;
      }
      if (!item.list_item || (line.list_item && item.indent <= line.indent)) break;
      if (item_indent < 0 || item.indent <= item_indent || block.children.empty()) {
        item_indent = item_indent < 0 ? item.indent : item_indent;
        Node chain{Node::Kind::sequence};
        chain.children.push_back(parse_line(item.body));
        block.children.push_back(std::move(chain));
      } else {
        block.children.back().children.push_back(parse_line(item.body));
      }
      ++i;
    }
    root.children.push_back(std::move(block));
  }
  Node out = simplified(std::move(root));
  if (out.kind != Node::Kind::sequence) {
    Node seq{Node::Kind::sequence};
    seq.children.push_back(std::move(out));
    return seq;
  }
  return out;
}

}  // namespace arborist::plan::offline
