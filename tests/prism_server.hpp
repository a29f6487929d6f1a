#pragma once
// A Stoplight Prism mock server on loopback for one test case, in its own process
// group and always killed: shared by the conformance tests (prism_test.cpp) and the
// --dry-run checks (repair_test.cpp). Fails the test with an install hint when
// Prism is missing — never skips.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "support.hpp"

namespace arborist::test {

inline std::string prism_binary() {
  if (const char* env = std::getenv("ARBORIST_PRISM"); env && *env) return env;
  return std::string(ARBORIST_TOOLS_DIR) + "/node_modules/.bin/prism";
}

inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

inline bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// One Prism mock server on loopback for the life of a test case; always killed.
class Prism {
 public:
  explicit Prism(const std::filesystem::path& spec) {
    const std::string binary = prism_binary();
    if (!std::filesystem::exists(binary))
      FAIL("Stoplight Prism is missing at " + binary +
           "; install it with `npm install --prefix /opt/arborist-tools @stoplight/prism-cli` "
           "(or point ARBORIST_PRISM at a prism binary)");
    REQUIRE(std::filesystem::exists(spec));
    port_ = free_port();
    log_ = std::filesystem::temp_directory_path() / ("arborist-prism-" + std::to_string(port_) + ".log");
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::setpgid(0, 0);  // its own group, so node and anything it spawns go down together
      int out = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out >= 0) {
        ::dup2(out, 1);
        ::dup2(out, 2);
      }
      std::string port = std::to_string(port_);
      ::execl(binary.c_str(), binary.c_str(), "mock", "-h", "127.0.0.1", "-p", port.c_str(), spec.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!port_open(port_)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("prism exited before listening; its log:\n" + test::read_text(log_));
      }
      if (std::chrono::steady_clock::now() > give_up)
        FAIL("prism did not listen within 30 s:\n" + test::read_text(log_));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~Prism() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 50 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (::waitpid(pid_, &status, WNOHANG) == 0) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
    }
    std::error_code ignored;
    std::filesystem::remove(log_, ignored);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

}  // namespace arborist::test
