#include "core/hash.hpp"

// OpenSSL's low-level SHA-256 functions (SHA256_Init/Update/Final; the one-call SHA256() goes through EVP). They are
// deprecated in OpenSSL 3 in favour of EVP, but EVP's first use initialises the library (its configuration file, the
// default provider): 5.5 M instructions, more than the rest of a small `arborist dagu`, for a hash of a few kilobytes.
// These run the same digest code without that.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace arborist {

namespace {
std::string hex_of(const unsigned char (&digest)[SHA256_DIGEST_LENGTH]) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(SHA256_DIGEST_LENGTH * 2);
  for (unsigned char byte : digest) {
    out += hex[byte >> 4];
    out += hex[byte & 15];
  }
  return out;
}
}  // namespace

std::string sha256_hex(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return hash.hex();
}

struct Sha256::State {
  SHA256_CTX context;
};

Sha256::Sha256() : state_(new State) {
  SHA256_Init(&state_->context);
}
Sha256::~Sha256() {
  delete state_;
}
void Sha256::update(std::string_view data) {
  SHA256_Update(&state_->context, data.data(), data.size());
}
std::string Sha256::hex() {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &state_->context);
  return hex_of(digest);
}

}  // namespace arborist
