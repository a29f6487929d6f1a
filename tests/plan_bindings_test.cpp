// The value the words give a variable the user's own command reads (plan/offline/bindings).
#include <catch2/catch.hpp>

#include "plan/offline/bindings.hpp"
#include "runners/mock.hpp"

using arborist::plan::offline::values_said_for;

TEST_CASE("a value is bound only when the variable's name says its kind and the words give one", "[mock]") {
  auto one = values_said_for("deploy to eu-west-1 using `./deploy.sh $REGION`", "./deploy.sh $REGION");
  REQUIRE(one.size() == 1);
  CHECK(one[0].name == "REGION");
  CHECK(one[0].value == "eu-west-1");
  CHECK(values_said_for("ship it to prod with `./ship.sh ${DEPLOY_ENV}`", "./ship.sh ${DEPLOY_ENV}")[0].value ==
        "prod");
  CHECK(values_said_for("build for windows with `make GOOS=$GOOS`", "make GOOS=$GOOS")[0].value == "windows");
  CHECK(values_said_for("test on python 3.12 with `tox -e $PYTHON_VERSION`", "tox -e $PYTHON_VERSION")[0].value ==
        "3.12");

  // The name does not say what "prod" would be; two environments are a list or a choice; a value
  // inside the back-quotes is the command's own.
  CHECK(values_said_for("deploy to prod using `./deploy.sh $TAG`", "./deploy.sh $TAG").empty());
  CHECK(values_said_for("deploy to staging and then prod with `./deploy.sh $ENV`", "./deploy.sh $ENV").empty());
  CHECK(values_said_for("run `ENV=prod ./x.sh $ENV`", "ENV=prod ./x.sh $ENV").empty());
  CHECK(values_said_for("deploy to eu-west-1", "./deploy.sh").empty());
}

TEST_CASE("a list with one command for all its items is one step per item, each with its value", "[mock]") {
  const auto plan = arborist::runners::plan_offline(
      "deploy to us-east-1, eu-west-1 and ap-south-1 at the same time using `./deploy.sh $REGION`");
  REQUIRE(plan.steps.size() == 3);
  const char* regions[] = {"us-east-1", "eu-west-1", "ap-south-1"};
  for (size_t i = 0; i < 3; ++i) {
    INFO(i);
    CHECK(plan.steps[i].command == "./deploy.sh $REGION");
    CHECK(plan.steps[i].depends_on.empty());
    REQUIRE(plan.steps[i].env.size() == 1);
    CHECK(plan.steps[i].env[0].value == regions[i]);
    CHECK(plan.steps[i].name == std::string("run-deploy-") + regions[i]);
  }
  CHECK(plan.env.empty());  // not imported from the environment: the words gave the values

  // The list's head noun and tool belong to every item.
  const auto tables =
      arborist::runners::plan_offline("back up the orders, users and payments tables with pg_dump in parallel");
  REQUIRE(tables.steps.size() == 3);
  for (const auto& s : tables.steps) CHECK(s.command.find("tables with pg_dump") != std::string::npos);
  const auto to_s3 = arborist::runners::plan_offline("back up the database and the uploads folder to s3://acme/bk");
  REQUIRE(to_s3.steps.size() == 2);
  for (const auto& s : to_s3.steps) CHECK(s.command.find("s3://acme/bk") != std::string::npos);
}
