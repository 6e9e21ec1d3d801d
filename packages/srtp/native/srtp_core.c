/*
 * The per-packet crypto of @confab/srtp: one OpenSSL context per session key, keyed once;
 * a packet only resets the IV. The OpenSSL symbols are the ones Node links in and exports,
 * so this addon links against nothing.
 *
 * JavaScript hands over the whole Buffer plus lengths; every length is checked against the
 * Buffer's real size before memory is touched, so a bad length is a status, never a crash.
 * The protocol state (rollover counters, replay windows, SRTCP indexes) stays in TypeScript;
 * this file only knows where the IV, AAD, payload and tag of a packet are, and which context an
 * id of the send table (seal_table.h) names, through each thread's registry (id_registry.h).
 * Status codes are those of src/status.ts.
 */
#include "tagged_external.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "id_registry.h"
#include "seal_table.h"
#include "srtp_core.h"

#define ST_MALFORMED (-1)
#define ST_AUTH_FAILED (-2)
#define ST_NO_ROOM (-4)
#define ST_CLOSED (-6)
#define ST_CRYPTO_ERROR (-7)

#define KIND_GCM 1
#define KIND_CM 2

#define KEY_LEN 16
#define GCM_SALT_LEN 12
#define CM_SALT_LEN 14
#define AUTH_KEY_LEN 20
#define GCM_TAG_LEN 16
#define CM_TAG_LEN 10
#define SRTCP_WORD_LEN 4
#define RTP_HEADER_MIN 12
#define RTCP_HEADER_LEN 8
/* As src/cipherArgs.ts: AES-CM's 16-bit block counter covers 1 MiB of keystream per packet. */
#define MAX_PACKET 0x100000

typedef struct {
  int kind;
  bool closed;
  /* Its id in this thread's registry (seal_table.h), or -1. */
  int32_t id;
  EVP_CIPHER_CTX *cipher;
  uint8_t salt[CM_SALT_LEN];
  /* HMAC-SHA1 with the key pads already hashed: a packet copies these and hashes only itself. */
  SHA_CTX inner;
  SHA_CTX outer;
} Ctx;

static const napi_type_tag CTX_TAG = {0x636f6e6661622d73ULL, 0x7274702d63747821ULL};

static void unregister_ctx(Ctx *c);

static void free_ctx_crypto(Ctx *c) {
  unregister_ctx(c);
  if (c->cipher != NULL) {
    EVP_CIPHER_CTX_free(c->cipher);
    c->cipher = NULL;
  }
  OPENSSL_cleanse(c->salt, sizeof c->salt);
  OPENSSL_cleanse(&c->inner, sizeof c->inner);
  OPENSSL_cleanse(&c->outer, sizeof c->outer);
  c->closed = true;
}

static void finalize_ctx(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Ctx *c = data;
  free_ctx_crypto(c);
  free(c);
}

static inline void xor_be32(uint8_t *p, uint32_t v) {
  p[0] ^= (uint8_t)(v >> 24);
  p[1] ^= (uint8_t)(v >> 16);
  p[2] ^= (uint8_t)(v >> 8);
  p[3] ^= (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static inline uint32_t get_be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* RFC 7714 8.1 / 9.1: salt XOR (00 00 | SSRC | word1 | word2), word1/word2 as given. */
static void gcm_iv(const Ctx *c, uint8_t iv[GCM_SALT_LEN], const uint8_t *ssrc, uint32_t hi32, uint16_t lo16) {
  memcpy(iv, c->salt, GCM_SALT_LEN);
  for (int i = 0; i < 4; i++) iv[2 + i] ^= ssrc[i];
  xor_be32(iv + 6, hi32);
  iv[10] ^= (uint8_t)(lo16 >> 8);
  iv[11] ^= (uint8_t)lo16;
}

/* RFC 3711 4.1.1: (salt * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16), index up to 48 bits. */
static void cm_iv(const Ctx *c, uint8_t iv[16], const uint8_t *ssrc, uint32_t index_hi32, uint16_t index_lo16) {
  memcpy(iv, c->salt, CM_SALT_LEN);
  iv[14] = 0;
  iv[15] = 0;
  for (int i = 0; i < 4; i++) iv[4 + i] ^= ssrc[i];
  xor_be32(iv + 8, index_hi32);
  iv[12] ^= (uint8_t)(index_lo16 >> 8);
  iv[13] ^= (uint8_t)index_lo16;
}

static void hmac_sha1(const Ctx *c, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                      uint8_t out[SHA_DIGEST_LENGTH]) {
  SHA_CTX s = c->inner;
  uint8_t inner[SHA_DIGEST_LENGTH];
  SHA1_Update(&s, a, alen);
  if (blen > 0) SHA1_Update(&s, b, blen);
  SHA1_Final(inner, &s);
  s = c->outer;
  SHA1_Update(&s, inner, sizeof inner);
  SHA1_Final(out, &s);
}

/* A failed check must not leave entries on this thread's OpenSSL error queue for Node to trip over. */
static int failed(int status) {
  ERR_clear_error();
  return status;
}

static int gcm_run(Ctx *c, int enc, const uint8_t *iv, const uint8_t *aad1, int aad1_len, const uint8_t *aad2,
                   int aad2_len, uint8_t *data, int data_len, uint8_t *tag) {
  EVP_CIPHER_CTX *x = c->cipher;
  int outl = 0;
  uint8_t scratch[16];
  if (EVP_CipherInit_ex(x, NULL, NULL, NULL, iv, enc) != 1) return failed(ST_CRYPTO_ERROR);
  if (!enc && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, GCM_TAG_LEN, tag) != 1) return failed(ST_CRYPTO_ERROR);
  if (aad1_len > 0 && EVP_CipherUpdate(x, NULL, &outl, aad1, aad1_len) != 1) return failed(ST_CRYPTO_ERROR);
  if (aad2_len > 0 && EVP_CipherUpdate(x, NULL, &outl, aad2, aad2_len) != 1) return failed(ST_CRYPTO_ERROR);
  if (data_len > 0 && EVP_CipherUpdate(x, data, &outl, data, data_len) != 1) return failed(ST_CRYPTO_ERROR);
  if (EVP_CipherFinal_ex(x, scratch, &outl) != 1) return failed(enc ? ST_CRYPTO_ERROR : ST_AUTH_FAILED);
  if (enc && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, GCM_TAG_LEN, tag) != 1) return failed(ST_CRYPTO_ERROR);
  return 0;
}

static int ctr_run(Ctx *c, const uint8_t *iv, uint8_t *data, int data_len) {
  int outl = 0;
  if (data_len == 0) return 0;
  if (EVP_EncryptInit_ex(c->cipher, NULL, NULL, NULL, iv) != 1) return failed(ST_CRYPTO_ERROR);
  if (EVP_EncryptUpdate(c->cipher, data, &outl, data, data_len) != 1) return failed(ST_CRYPTO_ERROR);
  return 0;
}

/* ---- the four packet transforms; (buf, cap) is the caller's memory, len the packet in it ---- */

static int seal_rtp(Ctx *c, uint8_t *buf, size_t cap, int64_t len, int64_t hdr, int64_t roc) {
  if (len < RTP_HEADER_MIN || (uint64_t)len > cap || len > MAX_PACKET) return ST_MALFORMED;
  if (hdr < RTP_HEADER_MIN || hdr > len || roc < 0 || roc > UINT32_MAX) return ST_MALFORMED;
  uint16_t seq = (uint16_t)((buf[2] << 8) | buf[3]);
  if (c->kind == KIND_GCM) {
    if (cap - (size_t)len < GCM_TAG_LEN) return ST_NO_ROOM;
    uint8_t iv[GCM_SALT_LEN];
    gcm_iv(c, iv, buf + 8, (uint32_t)roc, seq);
    int st = gcm_run(c, 1, iv, buf, (int)hdr, NULL, 0, buf + hdr, (int)(len - hdr), buf + len);
    return st < 0 ? st : (int)len + GCM_TAG_LEN;
  }
  if (cap - (size_t)len < CM_TAG_LEN) return ST_NO_ROOM;
  uint8_t iv[16], roc_be[4], mac[SHA_DIGEST_LENGTH];
  cm_iv(c, iv, buf + 8, (uint32_t)roc, seq);
  int st = ctr_run(c, iv, buf + hdr, (int)(len - hdr));
  if (st < 0) return st;
  put_be32(roc_be, (uint32_t)roc);
  hmac_sha1(c, buf, (size_t)len, roc_be, sizeof roc_be, mac);
  memcpy(buf + len, mac, CM_TAG_LEN);
  return (int)len + CM_TAG_LEN;
}

static int open_rtp(Ctx *c, uint8_t *buf, size_t cap, int64_t len, int64_t hdr, int64_t roc) {
  if (len < RTP_HEADER_MIN || (uint64_t)len > cap || len > MAX_PACKET) return ST_MALFORMED;
  if (hdr < RTP_HEADER_MIN || hdr > len || roc < 0 || roc > UINT32_MAX) return ST_MALFORMED;
  uint16_t seq = (uint16_t)((buf[2] << 8) | buf[3]);
  if (c->kind == KIND_GCM) {
    if (len - hdr < GCM_TAG_LEN) return ST_MALFORMED;
    int64_t body = len - GCM_TAG_LEN;
    uint8_t iv[GCM_SALT_LEN];
    gcm_iv(c, iv, buf + 8, (uint32_t)roc, seq);
    int st = gcm_run(c, 0, iv, buf, (int)hdr, NULL, 0, buf + hdr, (int)(body - hdr), buf + body);
    return st < 0 ? st : (int)body;
  }
  if (len - hdr < CM_TAG_LEN) return ST_MALFORMED;
  int64_t body = len - CM_TAG_LEN;
  uint8_t iv[16], roc_be[4], mac[SHA_DIGEST_LENGTH];
  put_be32(roc_be, (uint32_t)roc);
  hmac_sha1(c, buf, (size_t)body, roc_be, sizeof roc_be, mac);
  if (CRYPTO_memcmp(mac, buf + body, CM_TAG_LEN) != 0) return ST_AUTH_FAILED;
  cm_iv(c, iv, buf + 8, (uint32_t)roc, seq);
  int st = ctr_run(c, iv, buf + hdr, (int)(body - hdr));
  return st < 0 ? st : (int)body;
}

/* Always encrypts (E flag set); index is the 31-bit SRTCP index. */
static int seal_rtcp(Ctx *c, uint8_t *buf, size_t cap, int64_t len, int64_t index) {
  if (len < RTCP_HEADER_LEN || (uint64_t)len > cap || len > MAX_PACKET) return ST_MALFORMED;
  if (index < 0 || index > 0x7fffffff) return ST_MALFORMED;
  uint8_t word[SRTCP_WORD_LEN];
  put_be32(word, 0x80000000u | (uint32_t)index);
  if (c->kind == KIND_GCM) {
    if (cap - (size_t)len < GCM_TAG_LEN + SRTCP_WORD_LEN) return ST_NO_ROOM;
    uint8_t iv[GCM_SALT_LEN];
    gcm_iv(c, iv, buf + 4, 0, 0);
    xor_be32(iv + 8, (uint32_t)index);
    int st = gcm_run(c, 1, iv, buf, RTCP_HEADER_LEN, word, SRTCP_WORD_LEN, buf + RTCP_HEADER_LEN,
                     (int)(len - RTCP_HEADER_LEN), buf + len);
    if (st < 0) return st;
    memcpy(buf + len + GCM_TAG_LEN, word, SRTCP_WORD_LEN);
    return (int)len + GCM_TAG_LEN + SRTCP_WORD_LEN;
  }
  if (cap - (size_t)len < SRTCP_WORD_LEN + CM_TAG_LEN) return ST_NO_ROOM;
  uint8_t iv[16], mac[SHA_DIGEST_LENGTH];
  cm_iv(c, iv, buf + 4, 0, 0);
  xor_be32(iv + 10, (uint32_t)index);
  int st = ctr_run(c, iv, buf + RTCP_HEADER_LEN, (int)(len - RTCP_HEADER_LEN));
  if (st < 0) return st;
  memcpy(buf + len, word, SRTCP_WORD_LEN);
  hmac_sha1(c, buf, (size_t)len + SRTCP_WORD_LEN, NULL, 0, mac);
  memcpy(buf + len + SRTCP_WORD_LEN, mac, CM_TAG_LEN);
  return (int)len + SRTCP_WORD_LEN + CM_TAG_LEN;
}

/* Accepts E=1 (encrypted) and E=0 (authenticated only); the caller already read the index. */
static int open_rtcp(Ctx *c, uint8_t *buf, size_t cap, int64_t len) {
  if ((uint64_t)len > cap || len > MAX_PACKET) return ST_MALFORMED;
  if (c->kind == KIND_GCM) {
    if (len < RTCP_HEADER_LEN + GCM_TAG_LEN + SRTCP_WORD_LEN) return ST_MALFORMED;
    int64_t body = len - GCM_TAG_LEN - SRTCP_WORD_LEN;
    const uint8_t *word = buf + len - SRTCP_WORD_LEN;
    uint32_t esrtcp = get_be32(word);
    uint8_t iv[GCM_SALT_LEN];
    gcm_iv(c, iv, buf + 4, 0, 0);
    xor_be32(iv + 8, esrtcp & 0x7fffffffu);
    int st = (esrtcp & 0x80000000u)
                 ? gcm_run(c, 0, iv, buf, RTCP_HEADER_LEN, word, SRTCP_WORD_LEN, buf + RTCP_HEADER_LEN,
                           (int)(body - RTCP_HEADER_LEN), buf + body)
                 : gcm_run(c, 0, iv, buf, (int)body, word, SRTCP_WORD_LEN, NULL, 0, buf + body);
    return st < 0 ? st : (int)body;
  }
  if (len < RTCP_HEADER_LEN + SRTCP_WORD_LEN + CM_TAG_LEN) return ST_MALFORMED;
  int64_t authed = len - CM_TAG_LEN;
  int64_t body = authed - SRTCP_WORD_LEN;
  uint8_t mac[SHA_DIGEST_LENGTH];
  hmac_sha1(c, buf, (size_t)authed, NULL, 0, mac);
  if (CRYPTO_memcmp(mac, buf + authed, CM_TAG_LEN) != 0) return ST_AUTH_FAILED;
  uint32_t esrtcp = get_be32(buf + body);
  if (esrtcp & 0x80000000u) {
    uint8_t iv[16];
    cm_iv(c, iv, buf + 4, 0, 0);
    xor_be32(iv + 10, esrtcp & 0x7fffffffu);
    int st = ctr_run(c, iv, buf + RTCP_HEADER_LEN, (int)(body - RTCP_HEADER_LEN));
    if (st < 0) return st;
  }
  return (int)body;
}

/*
 * ---- this thread's registry of contexts, for seals deferred to the send batch ----
 * A batch entry names its context by id (id_registry.h): a context destroyed before the batch is
 * sent leaves an id that no longer matches, and its packet is dropped rather than sealed with
 * freed (or another session's) keys.
 */
static void forget_id(void *entry) { ((Ctx *)entry)->id = -1; }

static _Thread_local EnvRegistry contexts = {NULL, forget_id};

static int32_t register_ctx(Ctx *c) {
  if (c->id < 0) c->id = id_registry_add(contexts.registry, c);
  return c->id;
}

static void unregister_ctx(Ctx *c) {
  id_registry_remove(contexts.registry, c->id, c);
  c->id = -1;
}

static Ctx *registered_ctx(int32_t id) {
  Ctx *c = id_registry_get(contexts.registry, id);
  return c != NULL && !c->closed ? c : NULL;
}

/* src/rtpHeader.ts rtpHeaderLength. */
static int64_t rtp_header_length(const uint8_t *p, int64_t len) {
  if (len < RTP_HEADER_MIN || p[0] >> 6 != 2) return -1;
  int64_t n = RTP_HEADER_MIN + (p[0] & 0x0f) * 4;
  if (p[0] & 0x10) {
    if (n + 4 > len) return -1;
    n += 4 + (int64_t)((p[n + 2] << 8) | p[n + 3]) * 4;
  }
  return n <= len ? n : -1;
}

void seal_table_entries(uint8_t *memory, size_t memory_len, int32_t *table, int32_t from, int32_t to) {
  for (int32_t i = from; i < to; i++) {
    int32_t *e = table + (size_t)i * SEAL_TABLE_FIELDS;
    int32_t cipher = e[SEAL_TABLE_CIPHER];
    if (cipher < 0) continue;
    e[SEAL_TABLE_CIPHER] = -1;
    int32_t offset = e[0], length = e[1];
    Ctx *c = registered_ctx(cipher);
    if (c == NULL || offset < 0 || length <= 0 || (size_t)offset + (size_t)length > memory_len) {
      e[1] = 0;
      continue;
    }
    uint8_t *p = memory + offset;
    int64_t header = rtp_header_length(p, length);
    int n = header < 0 ? ST_MALFORMED : seal_rtp(c, p, memory_len - (size_t)offset, length, header, (uint32_t)e[SEAL_TABLE_ROC]);
    e[1] = n > 0 ? n : 0;
  }
}

/* ---- N-API glue ---- */

static napi_value int_result(napi_env env, int v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

/* Our context behind a JS value, or NULL for anything else (checked without throwing). */
static Ctx *ctx_arg(napi_env env, napi_value v) {
  return tagged_external(env, v, &CTX_TAG);
}

/* (ctx, buf, n integers); returns 0 or a status for the caller to hand back as the result. */
static int packet_args(napi_env env, napi_callback_info info, size_t n_ints, Ctx **ctx, uint8_t **buf, size_t *cap,
                       int64_t *ints) {
  napi_value argv[5];
  size_t argc = 5;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 + n_ints) return ST_MALFORMED;
  *ctx = ctx_arg(env, argv[0]);
  if (*ctx == NULL) return ST_CLOSED;
  if ((*ctx)->closed) return ST_CLOSED;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok) return ST_MALFORMED;
  if (type != napi_uint8_array || data == NULL) return ST_MALFORMED;
  *buf = data;
  *cap = length;
  for (size_t i = 0; i < n_ints; i++) {
    /* Whole numbers only (NaN, 1.5 and 2^60 are malformed), as Number.isInteger in the TS backend. */
    double d;
    if (napi_get_value_double(env, argv[2 + i], &d) != napi_ok) return ST_MALFORMED;
    if (!(d >= -9007199254740991.0 && d <= 9007199254740991.0) || (double)(int64_t)d != d) return ST_MALFORMED;
    ints[i] = (int64_t)d;
  }
  return 0;
}

static napi_value js_seal_rtp(napi_env env, napi_callback_info info) {
  Ctx *c;
  uint8_t *buf;
  size_t cap;
  int64_t a[3];
  int st = packet_args(env, info, 3, &c, &buf, &cap, a);
  return int_result(env, st < 0 ? st : seal_rtp(c, buf, cap, a[0], a[1], a[2]));
}

static napi_value js_open_rtp(napi_env env, napi_callback_info info) {
  Ctx *c;
  uint8_t *buf;
  size_t cap;
  int64_t a[3];
  int st = packet_args(env, info, 3, &c, &buf, &cap, a);
  return int_result(env, st < 0 ? st : open_rtp(c, buf, cap, a[0], a[1], a[2]));
}

static napi_value js_seal_rtcp(napi_env env, napi_callback_info info) {
  Ctx *c;
  uint8_t *buf;
  size_t cap;
  int64_t a[2];
  int st = packet_args(env, info, 2, &c, &buf, &cap, a);
  return int_result(env, st < 0 ? st : seal_rtcp(c, buf, cap, a[0], a[1]));
}

static napi_value js_open_rtcp(napi_env env, napi_callback_info info) {
  Ctx *c;
  uint8_t *buf;
  size_t cap;
  int64_t a[1];
  int st = packet_args(env, info, 1, &c, &buf, &cap, a);
  return int_result(env, st < 0 ? st : open_rtcp(c, buf, cap, a[0]));
}

static bool bytes_arg(napi_env env, napi_value v, size_t want, const uint8_t **out) {
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok) return false;
  if (type != napi_uint8_array || length != want || data == NULL) return false;
  *out = data;
  return true;
}

static void hmac_pads(Ctx *c, const uint8_t *key) {
  uint8_t pad[64];
  memset(pad, 0x36, sizeof pad);
  for (int i = 0; i < AUTH_KEY_LEN; i++) pad[i] ^= key[i];
  SHA1_Init(&c->inner);
  SHA1_Update(&c->inner, pad, sizeof pad);
  memset(pad, 0x5c, sizeof pad);
  for (int i = 0; i < AUTH_KEY_LEN; i++) pad[i] ^= key[i];
  SHA1_Init(&c->outer);
  SHA1_Update(&c->outer, pad, sizeof pad);
  OPENSSL_cleanse(pad, sizeof pad);
}

/* createContext(kind, key, salt, authKey | null): one session key, ready for packets. */
static napi_value js_create_context(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  int32_t kind = 0;
  const uint8_t *key, *salt, *auth = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4 ||
      napi_get_value_int32(env, argv[0], &kind) != napi_ok || (kind != KIND_GCM && kind != KIND_CM)) {
    napi_throw_type_error(env, NULL, "createContext: kind must be 1 (GCM) or 2 (CM)");
    return NULL;
  }
  size_t salt_len = kind == KIND_GCM ? GCM_SALT_LEN : CM_SALT_LEN;
  if (!bytes_arg(env, argv[1], KEY_LEN, &key) || !bytes_arg(env, argv[2], salt_len, &salt) ||
      (kind == KIND_CM && !bytes_arg(env, argv[3], AUTH_KEY_LEN, &auth))) {
    napi_throw_type_error(env, NULL, "createContext: key, salt or auth key has the wrong type or length");
    return NULL;
  }
  Ctx *c = calloc(1, sizeof *c);
  if (c == NULL) {
    napi_throw_error(env, NULL, "createContext: out of memory");
    return NULL;
  }
  c->kind = kind;
  c->id = -1;
  c->cipher = EVP_CIPHER_CTX_new();
  const EVP_CIPHER *alg = kind == KIND_GCM ? EVP_aes_128_gcm() : EVP_aes_128_ctr();
  if (c->cipher == NULL || EVP_CipherInit_ex(c->cipher, alg, NULL, key, NULL, 1) != 1) {
    free_ctx_crypto(c);
    free(c);
    napi_throw_error(env, NULL, "createContext: OpenSSL refused the cipher");
    return NULL;
  }
  memcpy(c->salt, salt, salt_len);
  if (auth != NULL) hmac_pads(c, auth);
  napi_value ext;
  if (napi_create_external(env, c, finalize_ctx, NULL, &ext) != napi_ok) {
    free_ctx_crypto(c);
    free(c);
    napi_throw_error(env, NULL, "createContext: cannot create the handle");
    return NULL;
  }
  if (napi_type_tag_object(env, ext, &CTX_TAG) != napi_ok) {
    napi_throw_error(env, NULL, "createContext: cannot tag the handle");
    return NULL;
  }
  return ext;
}

/* destroyContext(ctx): frees the OpenSSL state now; the handle itself goes with the GC. */
static napi_value js_destroy_context(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 1) {
    Ctx *c = ctx_arg(env, argv[0]);
    if (c != NULL) free_ctx_crypto(c);
  }
  return NULL;
}

/* registerContext(ctx): its id for send-table entries (seal_table.h), or -1 (closed, or the registry is full). */
static napi_value js_register_context(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return int_result(env, -1);
  Ctx *c = ctx_arg(env, argv[0]);
  return int_result(env, c == NULL || c->closed ? -1 : register_ctx(c));
}

napi_status register_srtp_core(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"createContext", NULL, js_create_context, NULL, NULL, NULL, napi_default, NULL},
      {"destroyContext", NULL, js_destroy_context, NULL, NULL, NULL, napi_default, NULL},
      {"sealRtp", NULL, js_seal_rtp, NULL, NULL, NULL, napi_default, NULL},
      {"openRtp", NULL, js_open_rtp, NULL, NULL, NULL, napi_default, NULL},
      {"sealRtcp", NULL, js_seal_rtcp, NULL, NULL, NULL, napi_default, NULL},
      {"openRtcp", NULL, js_open_rtcp, NULL, NULL, NULL, napi_default, NULL},
      {"registerContext", NULL, js_register_context, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_status status = napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return status != napi_ok ? status : id_registry_open(env, &contexts);
}
