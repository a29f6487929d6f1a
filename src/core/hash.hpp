#pragma once
#include <string>
#include <string_view>

namespace arborist {

// Lowercase hex SHA-256 of the bytes (OpenSSL).
std::string sha256_hex(std::string_view data);

// SHA-256 fed piece by piece: a big text hashed as it is produced, never held whole.
class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  ~Sha256();
  void update(std::string_view data);
  std::string hex();  // the digest of everything so far; call once

 private:
  struct State;
  State* state_;
};

}  // namespace arborist
