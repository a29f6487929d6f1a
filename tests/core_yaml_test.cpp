#include <catch2/catch.hpp>

#include "core/yaml.hpp"
#include "core/boxed.hpp"
#include "core/yaml_writer.hpp"

using namespace arborist;
using json = nlohmann::ordered_json;

TEST_CASE("YAML 1.2 typing: only true/false are booleans, quoted scalars stay strings", "[yaml]") {
  auto docs =
      yaml::parse("a: yes\nb: true\nc: 'true'\nd: 012\ne: 0x1F\nf: 1.5\ng: ~\nh:\ni: on\nj: \"3\"\nk: 1e3\n", "t.yaml");
  REQUIRE(docs);
  const json& v = docs->front().value;
  CHECK(v["a"] == "yes");
  CHECK(v["b"] == true);
  CHECK(v["c"] == "true");
  CHECK(v["d"] == 12);  // YAML 1.2: decimal, not octal
  CHECK(v["e"] == 31);
  CHECK(v["f"] == 1.5);
  CHECK(v["g"].is_null());
  CHECK(v["h"].is_null());
  CHECK(v["i"] == "on");
  CHECK(v["j"] == "3");
  CHECK(v["k"] == 1000.0);
}

TEST_CASE("positions are recorded for keys and sequence items", "[yaml]") {
  auto docs = yaml::parse("name: x\nsteps:\n  - name: a\n    command: echo\n  - name: b\n", "t.yaml");
  REQUIRE(docs);
  const auto& d = docs->front();
  CHECK(d.position_of("/name").line == 1);
  CHECK(d.position_of("/steps/0/command").line == 4);
  CHECK(d.position_of("/steps/0/command").column == 5);
  CHECK(d.position_of("/steps/1").line == 5);
  CHECK(d.position_of("/steps/1/name").line == 5);
  CHECK(d.position_of("/steps/1/nope/deeper").line == 5);  // nearest ancestor
}

TEST_CASE("the position table keeps the first position of a key through growth and collisions", "[yaml]") {
  yaml::PositionTable table;
  CHECK(table.find(42) == nullptr);
  // Keys that share their low bits, and 0 (the empty-slot marker inside the table).
  for (std::uint64_t i = 0; i < 5000; ++i) table.emplace(i << 40, {static_cast<int>(i) + 1, 1});
  table.emplace(0, {999, 9});  // already there (i = 0): the first stays
  CHECK(table.size() == 5000);
  for (std::uint64_t i = 0; i < 5000; ++i) {
    const yaml::Position* p = table.find(i << 40);
    REQUIRE(p);
    CHECK(p->line == static_cast<int>(i) + 1);
  }
  CHECK(table.find(5000ull << 40) == nullptr);
  CHECK(table.find(1) != nullptr);  // 1 stands in for 0 inside; a real 1 reads the same slot
}

TEST_CASE("positions of a large document: every step's keys", "[yaml]") {
  std::string text = "steps:\n";
  for (int i = 0; i < 3000; ++i) text += "  - name: s" + std::to_string(i) + "\n    command: echo " + std::to_string(i) + "\n";
  auto docs = yaml::parse(text, "big.yaml");
  REQUIRE(docs);
  for (int i = 0; i < 3000; i += 7) {
    CHECK(docs->front().position_of("/steps/" + std::to_string(i)).line == 2 + 2 * i);
    CHECK(docs->front().position_of("/steps/" + std::to_string(i) + "/command").line == 3 + 2 * i);
  }
}

TEST_CASE("duplicate keys are errors with the position of the repeat", "[yaml]") {
  auto docs = yaml::parse("a: 1\nb: 2\na: 3\n", "dup.yaml");
  REQUIRE_FALSE(docs);
  REQUIRE(docs.error().problems.size() == 1);
  CHECK(docs.error().problems[0].message.find("duplicate key 'a'") != std::string::npos);
  CHECK(docs.error().problems[0].where.line == 3);
}

TEST_CASE("malformed YAML reports line and column", "[yaml]") {
  auto docs = yaml::parse("a: [1, 2\nb: 3\n", "bad.yaml");
  REQUIRE_FALSE(docs);
  CHECK(docs.error().code == ExitCode::invalid_input);
  CHECK(docs.error().where.line > 0);
  CHECK(docs.error().where.file == "bad.yaml");
}

TEST_CASE("alias bombs are refused instead of expanded", "[yaml]") {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c, ++prev)
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  auto docs = yaml::parse(bomb, "bomb.yaml");
  REQUIRE_FALSE(docs);
  CHECK(docs.error().message.find("aliases") != std::string::npos);
}

TEST_CASE("non-UTF-8 input is refused with the byte position", "[yaml]") {
  auto docs = yaml::parse("a: b\nc: \xff\xfe\n", "bin.yaml");
  REQUIRE_FALSE(docs);
  CHECK(docs.error().message.find("UTF-8") != std::string::npos);
  CHECK(docs.error().where.line == 2);
}

TEST_CASE("multi-document files give one Document each", "[yaml]") {
  auto docs = yaml::parse("name: a\n---\nname: b\n", "m.yaml");
  REQUIRE(docs);
  REQUIRE(docs->size() == 2);
  CHECK(docs->at(1).value["name"] == "b");
  CHECK(docs->at(1).position_of("/name").line == 3);
}

TEST_CASE("the writer quotes every scalar a YAML 1.1 or 1.2 reader would retype", "[yaml][writer]") {
  for (std::string s :
       {"yes",   "no",     "on",   "off",   "y",         "n",          "true",    "False", "null", "~",     "1",
        "1.0",   "012",    "0x1F", "1e3",   "12:30",     "2024-01-01", ".inf",    "-.5",   "+1",   "1_000", "",
        " lead", "trail ", "a: b", "a #c",  "- x",       "*alias",     "&anchor", "!tag",  "%x",   "@x",    "`x",
        "{x}",   "[x]",    "'q'",  "\"q\"", "tab\there", "ctl\x01",    "<<",      "="}) {
    CAPTURE(s);
    CHECK_FALSE(yaml::plain_is_safe(s));
    json v = {{"k", s}};
    auto back = yaml::parse(yaml::write(v), "w.yaml");
    REQUIRE(back);
    CHECK(back->front().value["k"] == s);
  }
  for (std::string s : {"echo hello", "pg_dump \"$DATABASE_URL\" > db.sql", "make", "a-b_c.d", "${VAR}", "x:y"}) {
    CAPTURE(s);
    CHECK(yaml::plain_is_safe(s));
  }
}

TEST_CASE("the writer round-trips nested values and multi-line strings", "[yaml][writer]") {
  json v = json::parse(R"({"name":"x","empty_list":[],"empty_map":{},"n":3,"f":1.5,"b":false,"z":null,
    "steps":[{"id":"a","depends":[],"script":"set -e\necho one\n  indented\n"},
             {"id":"b","depends":["a"],"script":"no trailing newline\nline2"},
             {"id":"c","script":"two trailing\n\n"},{"id":"d","script":"  leading spaces\nx\n"}],
    "list":[[1,2],["a"]], "env":[{"A":"1"},{"B":"yes"}]})");
  std::string text = yaml::write(v);
  auto back = yaml::parse(text, "w.yaml");
  REQUIRE(back);
  CHECK(back->front().value == v);
  CHECK(text.find("script: |\n") != std::string::npos);
  CHECK(text.find("depends: []") != std::string::npos);
}

TEST_CASE("a ',' outside any flow collection is an error, not endless empty documents", "[yaml]") {
  // yaml-cpp 0.7's LoadAll returned an empty document here without consuming the ',' and
  // collected them until memory ran out (found by fuzzing an AI answer).
  for (const char* text : {",", ", a", "- a\n,", "{},\n\"", "a: b\n---\n ,x", "{\n  \"steps\": []\n},\n  \"x\": 1\n"}) {
    INFO(text);
    auto docs = yaml::parse(text, "t.yaml");
    REQUIRE_FALSE(docs);
    CHECK(docs.error().code == ExitCode::invalid_input);
    CHECK(docs.error().where.line >= 1);
  }
  auto docs = yaml::parse("- a\n,", "t.yaml");
  REQUIRE_FALSE(docs);
  CHECK(docs.error().message.find("','") != std::string::npos);
  CHECK(docs.error().where.line == 2);
  CHECK(docs.error().where.column == 1);
  // A ',' inside a plain scalar or a flow collection is fine.
  auto fine = yaml::parse("a: x, y\nb: [1, 2]\n", "t.yaml");
  REQUIRE(fine);
  CHECK(fine->front().value["a"] == "x, y");
}

TEST_CASE("anchors, aliases and odd keys", "[yaml]") {
  auto docs = yaml::parse("base: &b {retry: 3, env: [A, B]}\nname: &n job\nstep: *b\n*n : 7\n", "t.yaml");
  REQUIRE(docs);
  const json& v = docs->front().value;
  CHECK(v["step"] == json::parse(R"({"retry":3,"env":["A","B"]})"));
  CHECK(v["job"] == 7);  // an alias of a scalar may be a key
  CHECK(docs->front().position_of("/step").line == 3);

  // An anchored key used as a value is typed like any plain scalar; anchors end with their document.
  auto typed = yaml::parse("&port 8080: web\nport: *port\n---\n&port x: 1\nagain: *port\n", "t.yaml");
  REQUIRE(typed);
  REQUIRE(typed->size() == 2);
  CHECK((*typed)[0].value["port"] == 8080);
  CHECK((*typed)[1].value["again"] == "x");

  auto collection_key = yaml::parse("? [a, b]\n: 1\nc: 2\n", "t.yaml");
  REQUIRE_FALSE(collection_key);
  REQUIRE(collection_key.error().problems.size() == 1);
  CHECK(collection_key.error().problems[0].message == "a mapping key must be a plain string");

  // Duplicate keys are found in large mappings too (a hash set past 32 keys), with the first line.
  std::string big;
  for (int i = 0; i < 100; ++i) big += "k" + std::to_string(i) + ": " + std::to_string(i) + "\n";
  big += "k57: again\n";
  auto dup = yaml::parse(big, "t.yaml");
  REQUIRE_FALSE(dup);
  REQUIRE(dup.error().problems.size() == 1);
  CHECK(dup.error().problems[0].message.find("already defined at line 58") != std::string::npos);
  CHECK(dup.error().problems[0].where.line == 101);
}

TEST_CASE("a sequence written one item at a time is the sequence written whole", "[yaml]") {
  nlohmann::ordered_json dag = {{"name", "x"}, {"type", "graph"}};
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  steps.push_back({{"name", "a"}, {"depends", nlohmann::ordered_json::array()}, {"command", "echo 'a: b'"}});
  steps.push_back({{"name", "b"}, {"depends", {"a"}}, {"script", "set -e\nmake\nmake test\n"}});
  steps.push_back("plain");
  steps.push_back({{"nested", {{"k", {1, 2}}}}});
  nlohmann::ordered_json whole = dag;
  whole["steps"] = steps;

  std::string streamed;
  arborist::yaml::append(streamed, dag);
  streamed += "steps:\n";
  for (const auto& step : steps) arborist::yaml::append_sequence_item(streamed, step);
  CHECK(streamed == arborist::yaml::write(whole));
}

TEST_CASE("Boxed keeps std::optional's value semantics on the heap", "[core]") {
  arborist::Boxed<std::string> a;
  CHECK_FALSE(a);
  a = std::string("model");
  arborist::Boxed<std::string> b = a;  // a deep copy
  *b += "s";
  CHECK(*a == "model");
  CHECK(*b == "models");
  CHECK_FALSE(a == b);
  b = a;
  CHECK(a == b);
  b = std::nullopt;
  CHECK_FALSE(b.has_value());
  CHECK_THROWS_AS(b.value(), std::bad_optional_access);
  CHECK(arborist::Boxed<std::string>() == arborist::Boxed<std::string>());
  b.emplace(3, 'x');
  CHECK(*b == "xxx");
}
