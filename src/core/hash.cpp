#include "core/hash.hpp"

// OpenSSL's low-level SHA-256 functions (SHA256_Init/Update/Final; the one-call SHA256() goes through EVP). They are deprecated in OpenSSL 3 in favour of EVP,
// but EVP's first use initialises the library (its configuration file, the default provider):
// 5.5 M instructions, more than the rest of a small `arborist dagu`, for a hash of a few
// kilobytes. These run the same digest code without that.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace arborist {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX context;
  SHA256_Init(&context);
  SHA256_Update(&context, data.data(), data.size());
  SHA256_Final(digest, &context);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(SHA256_DIGEST_LENGTH * 2);
  for (unsigned char byte : digest) {
    out += hex[byte >> 4];
    out += hex[byte & 15];
  }
  return out;
}

}  // namespace arborist
