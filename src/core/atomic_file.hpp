#pragma once
// Every file arborist writes goes through AtomicFile: content goes to a temp file
// in the target's directory, then rename() replaces the target in one step. A
// failure or a crash leaves the old file (or no file) — never a partial one.
// A symlink is followed (its file is replaced); a character device or pipe (-o /dev/null,
// a FIFO, /dev/stdout) is written through, never replaced; a socket is refused.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace arborist {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();  // removes the temp file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view data) { buffer_ += data; }
  // The file's mode, whatever a replaced file had (0600 for private files).
  void set_mode(unsigned mode) { private_mode_ = mode; }
  // Writes, fsyncs and renames into place. Errors name the target path.
  Result<void> commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  std::string buffer_;
  bool committed_ = false;
  int pending_slot_ = -1;  // index in the interrupt cleanup list
  std::optional<unsigned> private_mode_;
};

// Installs SIGINT/SIGTERM handlers that remove every AtomicFile temp file still
// pending and exit with ExitCode::interrupted (130), so Ctrl-C never leaves debris.
void install_interrupt_cleanup();

// While alive, an interrupt (SIGINT/SIGTERM) also sends SIGTERM to this process group:
// command runners and api_key_cmd run in a group of their own (so a timeout can end their
// children), which the terminal's Ctrl-C does not reach.
class InterruptEndsGroup {
 public:
  explicit InterruptEndsGroup(int pgid);
  ~InterruptEndsGroup();
  InterruptEndsGroup(const InterruptEndsGroup&) = delete;
  InterruptEndsGroup& operator=(const InterruptEndsGroup&) = delete;

 private:
  int slot_ = -1;
};

// Convenience: write the whole content atomically.
Result<void> write_file_atomically(const std::filesystem::path& target, std::string_view content);

// Reads a whole file; errors (ExitCode::io) name the path and the reason.
Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace arborist
