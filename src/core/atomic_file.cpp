#include "core/atomic_file.hpp"

#include "core/limits.hpp"

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

// Child process groups to end on an interrupt (kill is async-signal-safe).
volatile sig_atomic_t child_groups[kMaxPending];

extern "C" void on_interrupt(int) {
  for (int i = 0; i < kMaxPending; ++i)
    if (pending_used[i]) ::unlink(pending_paths[i]);
  for (int i = 0; i < kMaxPending; ++i)
    if (child_groups[i] > 0) ::kill(-static_cast<pid_t>(child_groups[i]), SIGTERM);
  static const char msg[] = "\narborist: interrupted\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  ::_exit(130);
}

}  // namespace

InterruptEndsGroup::InterruptEndsGroup(int pgid) {
  for (int i = 0; i < kMaxPending; ++i)
    if (child_groups[i] == 0) {
      child_groups[i] = pgid;
      slot_ = i;
      return;
    }
}

InterruptEndsGroup::~InterruptEndsGroup() {
  if (slot_ >= 0) child_groups[slot_] = 0;
}

void install_interrupt_cleanup() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  // Past a file-size limit (ulimit -f) the kernel would kill us mid-write with SIGXFSZ and
  // leave the temp file behind; ignored, the write fails with EFBIG, which AtomicFile reports
  // and cleans up like a full disk. (Child processes get the default back: subprocess.cpp.)
  ::signal(SIGXFSZ, SIG_IGN);
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

namespace {

// Every byte of `data` to fd (short writes and EINTR retried); errors name the target.
Result<void> write_all(int fd, std::string_view data, const fs::path& target) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      return fail(ExitCode::io, "cannot write '" + target.string() + "': " + std::strerror(err));
    }
    written += static_cast<size_t>(n);
  }
  return {};
}

// A character device (/dev/null, a terminal) or a pipe takes the bytes as they are: it cannot
// be replaced, and replacing it (as root, /dev/null) would break the system.
Result<void> write_through(const fs::path& target, std::string_view data) {
  int fd = ::open(target.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return fail(ExitCode::io, "cannot write '" + target.string() + "': " + std::strerror(err));
  }
  if (auto w = write_all(fd, data, target); !w) {
    ::close(fd);
    return w;
  }
  if (::close(fd) != 0 && errno != EINTR) {
    int err = errno;
    return fail(ExitCode::io, "cannot write '" + target.string() + "': " + std::strerror(err));
  }
  return {};
}

}  // namespace

Result<void> AtomicFile::commit() {
  std::error_code ec;
  {
    // What is there now decides how to write: a symlink to a file is followed (the link stays,
    // its file is replaced atomically); a device or pipe is written through; a socket or block
    // device is refused. Only a regular file (or nothing) is replaced by rename().
    struct stat link {};
    if (::lstat(target_.c_str(), &link) == 0) {
      struct stat st {};
      bool resolves = ::stat(target_.c_str(), &st) == 0;
      if (S_ISLNK(link.st_mode) && resolves && S_ISREG(st.st_mode)) {
        fs::path real = fs::canonical(target_, ec);
        if (!ec) target_ = real;
      } else if (S_ISLNK(link.st_mode) && !resolves) {
        return fail(ExitCode::io, "cannot write '" + target_.string() + "': it is a symbolic link to nothing",
                    "remove the link or give another path");
      }
      const struct stat& what = S_ISLNK(link.st_mode) ? st : link;
      if (S_ISCHR(what.st_mode) || S_ISFIFO(what.st_mode)) {
        committed_ = true;
        return write_through(target_, buffer_);
      }
      if (S_ISSOCK(what.st_mode) || S_ISBLK(what.st_mode))
        return fail(ExitCode::io,
                    "cannot write '" + target_.string() + "': it is a " +
                        (S_ISSOCK(what.st_mode) ? "socket" : "block device") +
                        "; arborist writes regular files, character devices and pipes",
                    "give a file name");
    }
  }
  const fs::path dir = target_.has_parent_path() ? target_.parent_path() : fs::path(".");
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
  if (auto w = write_all(fd, buffer_, target_); !w) {
    ::close(fd);
    return w;
  }
  // Keep the permissions of a file we replace; new files get 0644 (less umask), or the
  // mode asked for (private files: 0600 whatever was there).
  struct stat st {};
  mode_t mode = 0666;
  if (private_mode_) {
    mode = *private_mode_;
  } else if (::stat(target_.c_str(), &st) == 0) {
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
  const std::uint64_t limit = input_limits().file_bytes;
  if (fs::is_regular_file(path, ec)) {
    const auto size = fs::file_size(path, ec);
    if (!ec && size > limit)
      return fail(ExitCode::invalid_input,
                  "'" + path.string() + "' is " + megabytes(size) + "; arborist reads at most " +
                      megabytes(limit),
                  "raise limits.file_mb in agent-arborist.yaml if the file is meant to be this big");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return fail(ExitCode::io, "cannot read '" + path.string() + "': " + errno_text(err));
  }
  // Read in pieces: a pipe or device has no size to check up front.
  std::string content;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    content.append(buffer, static_cast<size_t>(in.gcount()));
    if (content.size() > limit)
      return fail(ExitCode::invalid_input,
                  (path == "/dev/stdin" ? std::string("the input on stdin") : "'" + path.string() + "'") +
                      " is more than " + megabytes(limit) + "; arborist reads at most that",
                  "raise limits.file_mb in agent-arborist.yaml if the input is meant to be this big");
  }
  if (in.bad()) return fail(ExitCode::io, "cannot read '" + path.string() + "': read error");
  return content;
}

}  // namespace arborist
