/*
 * The SFU's fan-out of one incoming RTP packet to its subscribers, in one call: for each
 * subscriber row, the packet is copied into a send slot and rewritten as that subscriber's
 * stream (SSRC, payload type, sequence number, timestamp, VP8 picture id and TL0PICIDX, header
 * extension ids), continuing the state its row holds. A copy the subscriber's pacer lets out at
 * once is numbered and recorded (send_state.c) and queued in the worker's send batch with its
 * SRTP stream's ROC, which the batch seals and sends (udp_batch.c): nothing of it is left to
 * JavaScript but counting.
 *
 * Only the steady case is done here: the subscriber's row says which layer it takes, and the
 * packet continues the segment its rewriter is in. Everything that needs a decision (a layer
 * switch at a key frame, a new segment after a pause or a source change, a late packet of an old
 * source) is answered with FANOUT_JS, and the TypeScript path handles that subscriber for this
 * packet, on the same state. So the rules live once, in TypeScript; this file repeats only their
 * arithmetic, and the tests check both give the same bytes.
 *
 * The row layout mirrors packages/server/src/media/sfu/fanout/fanoutRow.ts, the rewriter's block
 * packages/wire/src/rtp/RtpStreamRewriter.ts (REWRITER_STATE) and the VP8 block
 * packages/server/src/media/sfu/simulcast/vp8.ts (VP8_STATE) and the SRTP stream's block
 * packages/srtp/src/OutboundRtpStream.ts (OUTBOUND_STREAM_STATE). Rows are doubles: every value
 * (uint32 timestamps and ROCs, ms times, counts) is exact in one.
 */
#include "rtp_fanout.h"

#include "seal_table.h"
#include "send_state.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* fanoutRow.ts */
#define ROW_MODE 0
#define ROW_LAYER 1
#define ROW_VP8 2
#define ROW_REWRITER 4
#define ROW_VP8_STATE 22
#define ROW_EXTENSIONS 27
#define ROW_EXTENSION_COUNT 16
#define ROW_SEND_STATE 44
#define ROW_PACED 45
#define ROW_STREAM 46
#define ROW_STRIDE 48
#define MODE_NATIVE 1

/* RtpStreamRewriter.ts REWRITER_STATE */
#define RW_SSRC 0
#define RW_PAYLOAD_TYPE 1
#define RW_PACKET_COUNT 3
#define RW_OCTET_COUNT 4
#define RW_SOURCE_SSRC 5
#define RW_SEQ_OFFSET 7
#define RW_TS_OFFSET 8
#define RW_RESYNC_PENDING 10
#define RW_LAST_SEQ 12
#define RW_LAST_TS 13
#define RW_LAST_SENT_MS 14
#define RW_SEGMENT_SOURCE_SEQ 15
#define RW_SEGMENT_OUT_SEQ 16
#define RW_SEGMENT_PACKETS 17
#define SEGMENT_GUARD_PACKETS 1000

/* vp8.ts VP8_STATE */
#define VP8_PICTURE_OFFSET 0
#define VP8_TL0_OFFSET 1
#define VP8_LAST_PICTURE_ID 2
#define VP8_LAST_TL0 3
#define VP8_SWITCH_PENDING 4

/* OutboundRtpStream.ts OUTBOUND_STREAM_STATE, and fanoutRow.ts NO_STREAM in its highestSeq. */
#define STREAM_ROC 0
#define STREAM_HIGHEST_SEQ 1
#define NO_STREAM (-2)
#define MAX_ROC 4294967295.0

/*
 * Per row in `out`: [slot index, result, sent]; result > 0 the length written, 0 nothing to send;
 * sent 1: the row's send state took it (send_state.h), it only needs protecting and sending;
 * sent 2: it is also in the send queue, to be sealed and sent with the batch: nothing is left to do.
 */
#define OUT_STRIDE 3
#define SENT_TAKEN 1
#define SENT_QUEUED 2
/* The send queue's state: entries in it, and room for. */
#define QUEUE_COUNT 0
#define QUEUE_CAPACITY 1
#define FANOUT_JS (-1)
/* Room a slot keeps after the packet: SRTP tag, a transport-wide number, an RTX header (SfuConsumer). */
#define SLOT_SPARE 32

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}
/* seq.ts seqDelta: signed distance from b to a in 16-bit space. */
static inline int seq_delta(uint32_t a, uint32_t b) { return (int16_t)(uint16_t)(a - b); }

/* vp8.ts Vp8Descriptor.read: offsets of the picture id and TL0PICIDX (-1 absent); false if truncated. */
static bool vp8_descriptor(const uint8_t *buf, int start, int end, int *picture_at, bool *long_id, int *tl0_at) {
  *picture_at = -1;
  *tl0_at = -1;
  *long_id = false;
  if (start >= end) return false;
  int i = start + 1;
  uint8_t b0 = buf[start];
  if (b0 & 0x80) {
    if (i >= end) return false;
    uint8_t x = buf[i++];
    if (x & 0x80) {
      if (i >= end) return false;
      *picture_at = i;
      *long_id = (buf[i] & 0x80) != 0;
      i += *long_id ? 2 : 1;
    }
    if (x & 0x40) *tl0_at = i++;
    if (x & 0x30) i++;
  }
  return i <= end;
}

/* vp8.ts Vp8PictureRewriter.rewrite without a pending switch (the caller checked). */
static void vp8_rewrite(double *s, uint8_t *buf, int start, int end) {
  int picture_at, tl0_at;
  bool long_id;
  if (!vp8_descriptor(buf, start, end, &picture_at, &long_id, &tl0_at)) return;
  if (picture_at >= 0) {
    uint32_t mask = long_id ? 0x7fff : 0x7f;
    uint32_t id = long_id ? (((uint32_t)buf[picture_at] & 0x7f) << 8) | buf[picture_at + 1] : buf[picture_at] & 0x7fu;
    uint32_t out = (id + (uint32_t)s[VP8_PICTURE_OFFSET]) & mask;
    double last = s[VP8_LAST_PICTURE_ID];
    if (last < 0 || ((out - (uint32_t)last) & mask) < mask / 2.0) s[VP8_LAST_PICTURE_ID] = out;
    if (long_id) {
      buf[picture_at] = (uint8_t)(0x80 | ((out >> 8) & 0x7f));
      buf[picture_at + 1] = (uint8_t)out;
    } else {
      buf[picture_at] = (uint8_t)(out & 0x7f);
    }
  }
  if (tl0_at >= 0) {
    uint32_t out = (buf[tl0_at] + (uint32_t)s[VP8_TL0_OFFSET]) & 0xff;
    double last = s[VP8_LAST_TL0];
    if (last < 0 || ((out - (uint32_t)last) & 0xff) < 128) s[VP8_LAST_TL0] = out;
    buf[tl0_at] = (uint8_t)out;
  }
}

/* rtpExtensions.ts remapRtpExtensions, for a packet with the X bit (checked by rtpCheck upstream). */
static void remap_extensions(uint8_t *buf, const double *table) {
  int start = 12 + (buf[0] & 0x0f) * 4;
  int end = start + 4 + be16(buf + start + 2) * 4;
  uint32_t profile = be16(buf + start);
  int i = start + 4;
  if (profile == 0xbede) {
    while (i < end) {
      uint8_t b = buf[i];
      int id = b >> 4;
      if (id == 0) {
        i++;
        continue;
      }
      int length = (b & 0x0f) + 1;
      if (id == 15 || i + 1 + length > end) break;
      int to = (int)table[id];
      if (to > 0 && to < 15) buf[i] = (uint8_t)((to << 4) | (b & 0x0f));
      else memset(buf + i, 0, (size_t)(1 + length));
      i += 1 + length;
    }
  } else if (profile >> 4 == 0x100) {
    while (i < end) {
      int id = buf[i];
      if (id == 0) {
        i++;
        continue;
      }
      if (i + 2 > end) break;
      int length = buf[i + 1];
      if (i + 2 + length > end) break;
      int to = id < ROW_EXTENSION_COUNT ? (int)table[id] : 0;
      if (to > 0) buf[i] = (uint8_t)to;
      else memset(buf + i, 0, (size_t)(2 + length));
      i += 2 + length;
    }
  } else {
    memset(buf + start + 4, 0, (size_t)(end - start - 4));
    return;
  }
  if (i < end) memset(buf + i, 0, (size_t)(end - i));
}

/*
 * One subscriber: FANOUT_JS, 0 (not its layer, too large, or a late packet of before its
 * segment), or the length of its copy in `slot`.
 */
static int fan_one(double *row, const uint8_t *src, int len, int header_length, int payload_size, int layer,
                   double now_ms, uint8_t *slot, int slot_size) {
  if (row[ROW_MODE] != MODE_NATIVE) return FANOUT_JS;
  if ((int)row[ROW_LAYER] != layer) return 0;
  if (len + SLOT_SPARE > slot_size) return 0;
  double *rw = row + ROW_REWRITER;
  double *vp8 = row[ROW_VP8] != 0 ? row + ROW_VP8_STATE : NULL;
  uint32_t ssrc = be32(src + 8);
  /* A new segment (source changed, resync asked) or a VP8 switch: the TypeScript path decides. */
  if (rw[RW_RESYNC_PENDING] != 0 || (double)ssrc != rw[RW_SOURCE_SSRC]) return FANOUT_JS;
  if (vp8 != NULL && vp8[VP8_SWITCH_PENDING] != 0) return FANOUT_JS;
  uint32_t seq = be16(src + 2);
  double segment_packets = rw[RW_SEGMENT_PACKETS];
  if (segment_packets < SEGMENT_GUARD_PACKETS && seq_delta(seq, (uint32_t)rw[RW_SEGMENT_SOURCE_SEQ]) < 0) return 0;
  memcpy(slot, src, (size_t)len);
  uint32_t out_seq = (seq + (uint32_t)rw[RW_SEQ_OFFSET]) & 0xffff;
  uint32_t out_ts = be32(src + 4) + (uint32_t)rw[RW_TS_OFFSET];
  if (seq_delta(out_seq, (uint32_t)rw[RW_LAST_SEQ]) > 0) {
    rw[RW_LAST_SEQ] = out_seq;
    rw[RW_LAST_TS] = out_ts;
    rw[RW_LAST_SENT_MS] = now_ms;
    if (segment_packets < SEGMENT_GUARD_PACKETS) {
      int spanned = seq_delta(out_seq, (uint32_t)rw[RW_SEGMENT_OUT_SEQ]) + 1;
      rw[RW_SEGMENT_PACKETS] = spanned < SEGMENT_GUARD_PACKETS ? spanned : SEGMENT_GUARD_PACKETS;
    }
  }
  put32(slot + 8, (uint32_t)rw[RW_SSRC]);
  slot[1] = (uint8_t)((slot[1] & 0x80) | ((uint32_t)rw[RW_PAYLOAD_TYPE] & 0x7f));
  put16(slot + 2, out_seq);
  put32(slot + 4, out_ts);
  rw[RW_PACKET_COUNT] += 1;
  rw[RW_OCTET_COUNT] += payload_size;
  if (vp8 != NULL) vp8_rewrite(vp8, slot, header_length, header_length + payload_size);
  if (slot[0] & 0x10) remap_extensions(slot, row + ROW_EXTENSIONS);
  return len;
}

/*
 * OutboundRtpStream.next (rolloverCounter.ts guessRoc) on the row's stream: the ROC to seal `seq`
 * with, the stream moved on past it; -1 with no stream in the row, or beyond the last ROC (the
 * TypeScript path answers), the stream untouched.
 */
static double stream_roc(double *st, int seq) {
  double highest = st[STREAM_HIGHEST_SEQ];
  if (highest == NO_STREAM) return -1;
  if (highest < 0) {
    st[STREAM_ROC] = 0;
    st[STREAM_HIGHEST_SEQ] = seq;
    return 0;
  }
  double roc = st[STREAM_ROC];
  int h = (int)highest;
  double guess = h < 0x8000 ? (seq - h > 0x8000 ? roc - 1 : roc) : (h - 0x8000 > seq ? roc + 1 : roc);
  if (guess > MAX_ROC) return -1;
  /* A packet from before the stream's first one keeps ROC 0 and does not move the stream. */
  if (guess < 0) return 0;
  if (guess > roc || (guess == roc && seq > h)) {
    st[STREAM_ROC] = guess;
    st[STREAM_HIGHEST_SEQ] = seq;
  }
  return guess;
}

/*
 * UdpSendBatch.addToSeal for a copy its transport's send state took: the entry for the seal and
 * the send, if the transport sends over the batch's socket, the queue has room and the row's
 * stream gives the ROC. False: the TypeScript path protects and sends it.
 */
static bool queue_copy(double *row, const SendTarget *target, const uint8_t *memory, const uint8_t *slot, int len,
                       int32_t *queue, int32_t *queue_state) {
  if (target->seal_id < 0 || queue_state[QUEUE_COUNT] >= queue_state[QUEUE_CAPACITY]) return false;
  double roc = stream_roc(row + ROW_STREAM, be16(slot + 2));
  if (roc < 0) return false;
  int32_t *e = queue + (size_t)queue_state[QUEUE_COUNT] * SEAL_TABLE_FIELDS;
  e[0] = (int32_t)(slot - memory);
  e[1] = len;
  e[2] = target->ip4;
  e[3] = target->port;
  e[SEAL_TABLE_CIPHER] = target->seal_id;
  e[SEAL_TABLE_ROC] = (int32_t)(uint32_t)roc;
  queue_state[QUEUE_COUNT]++;
  return true;
}

/* The row's send state id (fanoutRow.ts), or -1 for none. */
static int32_t row_send_state(const double *row) {
  double id = row[ROW_SEND_STATE];
  return id >= 0 && id <= INT32_MAX ? (int32_t)id : -1;
}

/* How many rows ahead each stage of send_state_prefetch runs: far enough for a miss to land. */
#define PREFETCH_STAGES 3
static const int prefetch_ahead[PREFETCH_STAGES] = {8, 4, 1};

static bool typed_array(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, v, &type, length, data, NULL, NULL) != napi_ok) return false;
  return type == want && *data != NULL;
}

/*
 * fanoutRtp(src, len, headerLength, payloadSize, layer, nowMs, rows, firstRow, count, memory,
 *           slotSize, firstSlot, out, queue, queueState): rows [firstRow, firstRow + count) of
 * `rows`; returns the slots used (taken in ring order from firstSlot), or -1 when an argument is
 * malformed (then nothing was touched). `src` is the publisher's packet after rtpCheck(); `memory`
 * the engine's PacketSlots; `out` gets [slot, result, sent] per row, from its start; `queue` is
 * the send batch's table (seal_table.h entries, offsets into `memory`) and `queueState` its
 * [count, capacity]: copies queued there move count on.
 */
static napi_value js_fanout_rtp(napi_env env, napi_callback_info info) {
  napi_value argv[15];
  size_t argc = 15;
  napi_value result;
  int32_t ints[7];
  double now_ms;
  void *src, *rows, *memory, *out, *queue, *queue_state;
  size_t src_len, rows_len, memory_len, out_len, queue_len, queue_state_len;
  int used = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 15) goto done;
  if (!typed_array(env, argv[0], napi_uint8_array, &src, &src_len)) goto done;
  if (napi_get_value_int32(env, argv[1], &ints[0]) != napi_ok) goto done;
  if (napi_get_value_int32(env, argv[2], &ints[1]) != napi_ok) goto done;
  if (napi_get_value_int32(env, argv[3], &ints[2]) != napi_ok) goto done;
  if (napi_get_value_int32(env, argv[4], &ints[3]) != napi_ok) goto done;
  if (napi_get_value_double(env, argv[5], &now_ms) != napi_ok) goto done;
  if (!typed_array(env, argv[6], napi_float64_array, &rows, &rows_len)) goto done;
  if (napi_get_value_int32(env, argv[7], &ints[6]) != napi_ok) goto done;
  if (napi_get_value_int32(env, argv[8], &ints[4]) != napi_ok) goto done;
  if (!typed_array(env, argv[9], napi_uint8_array, &memory, &memory_len)) goto done;
  if (napi_get_value_int32(env, argv[10], &ints[5]) != napi_ok) goto done;
  int32_t first_slot;
  if (napi_get_value_int32(env, argv[11], &first_slot) != napi_ok) goto done;
  if (!typed_array(env, argv[12], napi_int32_array, &out, &out_len)) goto done;
  /* No send batch: an empty queue (its data may be NULL), with no room. */
  napi_typedarray_type queue_type;
  if (napi_get_typedarray_info(env, argv[13], &queue_type, &queue_len, &queue, NULL, NULL) != napi_ok || queue_type != napi_int32_array)
    goto done;
  if (!typed_array(env, argv[14], napi_int32_array, &queue_state, &queue_state_len) || queue_state_len < 2) goto done;
  int len = ints[0], header_length = ints[1], payload_size = ints[2], layer = ints[3], count = ints[4];
  int slot_size = ints[5], first_row = ints[6];
  if (len < 12 || (size_t)len > src_len || header_length < 12 || payload_size < 0 || header_length + payload_size > len) goto done;
  if (first_row < 0 || count < 0 || ((size_t)first_row + (size_t)count) * ROW_STRIDE > rows_len || (size_t)count * OUT_STRIDE > out_len ||
      slot_size <= 0)
    goto done;
  int32_t *qs = queue_state;
  if (qs[QUEUE_COUNT] < 0 || qs[QUEUE_CAPACITY] < 0 || (size_t)qs[QUEUE_CAPACITY] > queue_len / SEAL_TABLE_FIELDS || qs[QUEUE_COUNT] > qs[QUEUE_CAPACITY])
    goto done;
  size_t slot_count = memory_len / (size_t)slot_size;
  /* A power-of-two ring, as PacketSlots; one packet must not take more than half of it. */
  if (slot_count == 0 || (slot_count & (slot_count - 1)) != 0 || first_slot < 0 || (size_t)first_slot >= slot_count ||
      (size_t)count > slot_count / 2)
    goto done;
  int32_t *o = out;
  size_t next = (size_t)first_slot;
  used = 0;
  double *first = (double *)rows + (size_t)first_row * ROW_STRIDE;
  for (int i = 0; i < count; i++) {
    uint8_t *slot = (uint8_t *)memory + next * (size_t)slot_size;
    double *row = first + (size_t)i * ROW_STRIDE;
    /* Each subscriber's send state is cold by the time its next copy comes: fetch ahead (send_state.h). */
    for (int stage = 0; stage < PREFETCH_STAGES; stage++)
      if (i + prefetch_ahead[stage] < count) send_state_prefetch(row_send_state(first + (size_t)(i + prefetch_ahead[stage]) * ROW_STRIDE), stage);
    int r = fan_one(row, src, len, header_length, payload_size, layer, now_ms, slot, slot_size);
    int sent = 0;
    int32_t send_state = row_send_state(row);
    if (r > 0 && send_state >= 0) {
      SendTarget target;
      int n = send_state_take(send_state, slot, r, row[ROW_PACED] != 0, now_ms, &target);
      if (n > 0) {
        r = n;
        sent = queue_copy(row, &target, memory, slot, n, queue, qs) ? SENT_QUEUED : SENT_TAKEN;
      }
    }
    o[OUT_STRIDE * i] = (int32_t)next;
    o[OUT_STRIDE * i + 1] = r;
    o[OUT_STRIDE * i + 2] = sent;
    if (r > 0) {
      next = (next + 1) & (slot_count - 1);
      used++;
    }
  }
done:
  napi_create_int32(env, used, &result);
  return result;
}

napi_status register_rtp_fanout(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"fanoutRtp", NULL, js_fanout_rtp, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
