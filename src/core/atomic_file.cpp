#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace arborist {

namespace fs = std::filesystem;

namespace {

// Temp files being written, for the signal handler. Fixed-size storage because a
// handler may only call async-signal-safe functions (unlink, _exit): no allocation.
constexpr int kMaxPending = 16;
constexpr size_t kMaxPath = 4096;
char pending_paths[kMaxPending][kMaxPath];
volatile sig_atomic_t pending_used[kMaxPending];

int remember_pending(const std::string& path) {
  if (path.size() >= kMaxPath) return -1;
  for (int i = 0; i < kMaxPending; ++i)
    if (!pending_used[i]) {
      std::memcpy(pending_paths[i], path.c_str(), path.size() + 1);
      pending_used[i] = 1;
      return i;
    }
  return -1;
}

void forget_pending(int slot) {
  if (slot >= 0) pending_used[slot] = 0;
}

extern "C" void on_interrupt(int) {
  for (int i = 0; i < kMaxPending; ++i)
    if (pending_used[i]) ::unlink(pending_paths[i]);
  static const char msg[] = "\narborist: interrupted\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  ::_exit(130);
}

}  // namespace

void install_interrupt_cleanup() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

AtomicFile::AtomicFile(fs::path target) : target_(std::move(target)) {}

AtomicFile::~AtomicFile() {
  if (!committed_ && !temp_.empty()) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
  forget_pending(pending_slot_);
}

static std::string errno_text(int err) { return std::strerror(err); }

Result<void> AtomicFile::commit() {
  const fs::path dir = target_.has_parent_path() ? target_.parent_path() : fs::path(".");
  std::error_code ec;
  if (fs::is_directory(target_, ec))
    return fail(ExitCode::io, "cannot write '" + target_.string() + "': it is a directory",
                "give a file name, e.g. " + (target_ / "out.yaml").string());
  if (!fs::is_directory(dir, ec))
    return fail(ExitCode::io, "cannot write '" + target_.string() + "': directory '" + dir.string() + "' does not exist",
                "create the directory first or choose another path");
  std::string tmpl = (dir / ("." + target_.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    int err = errno;
    return fail(ExitCode::io, "cannot write '" + target_.string() + "': " + errno_text(err),
                "check that the directory exists and is writable");
  }
  temp_ = tmpl;
  pending_slot_ = remember_pending(tmpl);
  size_t written = 0;
  while (written < buffer_.size()) {
    ssize_t n = ::write(fd, buffer_.data() + written, buffer_.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return fail(ExitCode::io, "cannot write '" + target_.string() + "': " + errno_text(err));
    }
    written += static_cast<size_t>(n);
  }
  // Keep the permissions of a file we replace; new files get 0644 (less umask).
  struct stat st {};
  mode_t mode = 0666;
  if (::stat(target_.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    mode_t mask = ::umask(0);
    ::umask(mask);
    mode &= ~mask;
  }
  ::fchmod(fd, mode);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    return fail(ExitCode::io, "cannot write '" + target_.string() + "': " + errno_text(err));
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    int err = errno;
    return fail(ExitCode::io, "cannot write '" + target_.string() + "': " + errno_text(err));
  }
  committed_ = true;
  forget_pending(pending_slot_);
  pending_slot_ = -1;
  return {};
}

Result<void> write_file_atomically(const fs::path& target, std::string_view content) {
  AtomicFile file(target);
  file.write(content);
  return file.commit();
}

Result<std::string> read_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return fail(ExitCode::io, "cannot read '" + path.string() + "': it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return fail(ExitCode::io, "cannot read '" + path.string() + "': " + errno_text(err));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return fail(ExitCode::io, "cannot read '" + path.string() + "': read error");
  return ss.str();
}

}  // namespace arborist
