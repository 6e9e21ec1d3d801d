/*
 * The floor under any SFU that forwards through the kernel's UDP sockets on this machine: a
 * forwarder that does nothing but wake for each incoming datagram (recvmmsg), copy it once per
 * subscriber and hand all copies to one sendmmsg. No parsing, no rewrite, no encryption, no
 * JavaScript. Whatever CPU it uses per forwarded packet, every SFU here pays too (Confab, Janus).
 *
 * Three processes on loopback, shaped like bench:sfu's load:
 *   sender      one publisher: a camera of `video_kbps` at `fps` in packets of `mtu` bytes, and a
 *               microphone of `audio_pps` packets of `audio_bytes` a second;
 *   forwarder   the measured one (getrusage over the window after the warm-up);
 *   subscribers N sockets drained with epoll and recvmmsg, each sending one feedback datagram of
 *               `feedback_bytes` to the forwarder every `feedback_ms`, and a receiver report once a
 *               second, taking turns in ten phases of the interval as bench:sfu's generator does
 *               (packages/loadtest/src/lean/leanWorker.ts): each phase is a wake-up of the forwarder.
 * Prints one JSON line: the forwarder's CPU per forwarded packet and its wake-ups. The user/system
 * split is the kernel's, by sampled ticks: at a few % of a core only the total is exact.
 *   udp_floor <subscribers> <seconds> <warmup> [video_kbps fps mtu audio_pps audio_bytes feedback_ms feedback_bytes]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SENDER_PORT 40000
#define FORWARDER_PORT 41000
#define SUBSCRIBER_BASE_PORT 42000
#define MAX_SUBSCRIBERS 8000
#define MAX_PACKET 1500
#define RECV_BATCH 64
#define SEND_BATCH 256
/* leanWorker.ts: feedback in ten phases of its interval, a receiver report every tenth time. */
#define PHASES 10
#define REPORT_TURNS 10

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static int udp_socket(int port, int buffer) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { perror("socket"); exit(1); }
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  if (port > 0) {
    struct sockaddr_in a = loopback(port);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); exit(1); }
  }
  return fd;
}

static double usec(struct timeval t) { return t.tv_sec * 1e6 + t.tv_usec; }

/* Waits until an absolute CLOCK_MONOTONIC time in seconds. */
static void sleep_until(double at) {
  struct timespec ts = {(time_t)at, (long)((at - (time_t)at) * 1e9)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

static void run_forwarder(int subscribers, double start, double warmup, double seconds) {
  int fd = udp_socket(FORWARDER_PORT, 4 << 20);
  static uint8_t in[RECV_BATCH][MAX_PACKET];
  static struct mmsghdr in_msgs[RECV_BATCH];
  static struct iovec in_iov[RECV_BATCH];
  static struct sockaddr_in from[RECV_BATCH];
  for (int i = 0; i < RECV_BATCH; i++) {
    in_iov[i] = (struct iovec){in[i], MAX_PACKET};
    in_msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &in_iov[i], .msg_iovlen = 1};
  }
  /* One send slot per subscriber, reused for every packet (the copy is what an SFU must do). */
  uint8_t *slots = malloc((size_t)subscribers * MAX_PACKET);
  struct sockaddr_in *to = malloc(sizeof *to * subscribers);
  struct mmsghdr *out = calloc(SEND_BATCH, sizeof *out);
  struct iovec *out_iov = calloc(SEND_BATCH, sizeof *out_iov);
  for (int i = 0; i < subscribers; i++) to[i] = loopback(SUBSCRIBER_BASE_PORT + i);

  int measuring = 0;
  long forwarded = 0, wakeups = 0, feedback = 0;
  struct rusage before, after;
  double window_start = 0;
  for (;;) {
    struct timespec timeout = {0, 50 * 1000 * 1000};
    int n = recvmmsg(fd, in_msgs, RECV_BATCH, MSG_WAITFORONE, &timeout);
    double t = now_s();
    if (!measuring && t >= start + warmup) {
      measuring = 1;
      forwarded = wakeups = feedback = 0;
      getrusage(RUSAGE_SELF, &before);
      window_start = t;
    }
    if (measuring && t >= start + warmup + seconds) break;
    if (n <= 0) continue;
    wakeups++;
    for (int m = 0; m < n; m++) {
      if (ntohs(from[m].sin_port) != SENDER_PORT) {
        feedback++;
        continue;
      }
      int len = (int)in_msgs[m].msg_len;
      int queued = 0;
      for (int s = 0; s < subscribers; s++) {
        uint8_t *slot = slots + (size_t)s * MAX_PACKET;
        memcpy(slot, in[m], (size_t)len);
        out_iov[queued] = (struct iovec){slot, (size_t)len};
        out[queued].msg_hdr = (struct msghdr){.msg_name = &to[s], .msg_namelen = sizeof to[s], .msg_iov = &out_iov[queued], .msg_iovlen = 1};
        if (++queued == SEND_BATCH || s == subscribers - 1) {
          int sent = sendmmsg(fd, out, (unsigned)queued, 0);
          if (sent > 0) forwarded += sent;
          queued = 0;
        }
      }
    }
  }
  getrusage(RUSAGE_SELF, &after);
  double window = now_s() - window_start;
  double user = usec(after.ru_utime) - usec(before.ru_utime);
  double sys = usec(after.ru_stime) - usec(before.ru_stime);
  printf("{\"subscribers\":%d,\"seconds\":%.2f,\"forwardedPerSecond\":%.0f,\"wakeupsPerSecond\":%.0f,\"feedbackPerSecond\":%.0f,"
         "\"cpuPercent\":%.2f,\"userUsPerPacket\":%.3f,\"sysUsPerPacket\":%.3f,\"usPerPacket\":%.3f}\n",
         subscribers, window, forwarded / window, wakeups / window, feedback / window, (user + sys) / window / 1e4,
         user / forwarded, sys / forwarded, (user + sys) / forwarded);
  fflush(stdout);
}

static void run_sender(double start, double end, int video_kbps, int fps, int mtu, int audio_pps, int audio_bytes) {
  int fd = udp_socket(SENDER_PORT, 1 << 20);
  struct sockaddr_in to = loopback(FORWARDER_PORT);
  static uint8_t packet[MAX_PACKET];
  memset(packet, 0xab, sizeof packet);
  int frame_bytes = video_kbps * 1000 / 8 / fps;
  double next_frame = start, next_audio = start;
  while (next_frame < end || next_audio < end) {
    if (next_frame <= next_audio) {
      sleep_until(next_frame);
      for (int left = frame_bytes; left > 0; left -= mtu)
        sendto(fd, packet, (size_t)(left < mtu ? left : mtu), 0, (struct sockaddr *)&to, sizeof to);
      next_frame += 1.0 / fps;
    } else {
      sleep_until(next_audio);
      sendto(fd, packet, (size_t)audio_bytes, 0, (struct sockaddr *)&to, sizeof to);
      next_audio += 1.0 / audio_pps;
    }
  }
}

static void run_subscribers(int subscribers, double end, int feedback_ms, int feedback_bytes) {
  int ep = epoll_create1(0);
  int *fds = malloc(sizeof *fds * subscribers);
  for (int i = 0; i < subscribers; i++) {
    fds[i] = udp_socket(SUBSCRIBER_BASE_PORT + i, 256 << 10);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
  }
  struct sockaddr_in to = loopback(FORWARDER_PORT);
  static uint8_t bufs[RECV_BATCH][MAX_PACKET];
  static struct mmsghdr msgs[RECV_BATCH];
  static struct iovec iov[RECV_BATCH];
  for (int i = 0; i < RECV_BATCH; i++) {
    iov[i] = (struct iovec){bufs[i], MAX_PACKET};
    msgs[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
  }
  static uint8_t report[MAX_PACKET];
  struct epoll_event events[256];
  double turn_s = feedback_ms / 1000.0 / PHASES;
  double next_turn = now_s() + turn_s;
  long turn = 0;
  while (now_s() < end) {
    int wait_ms = feedback_ms > 0 ? (int)((next_turn - now_s()) * 1000) : 100;
    int n = epoll_wait(ep, events, 256, wait_ms < 0 ? 0 : wait_ms);
    for (int e = 0; e < n; e++) {
      int fd = fds[events[e].data.u32];
      while (recvmmsg(fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL) == RECV_BATCH) {}
    }
    if (feedback_ms > 0 && now_s() >= next_turn) {
      int phase = (int)(turn % PHASES);
      /* Each subscriber's receiver report every REPORT_TURNS of its feedback, the phases in different turns. */
      int with_report = (turn / PHASES + phase) % REPORT_TURNS == 0;
      for (int i = phase; i < subscribers; i += PHASES) {
        sendto(fds[i], report, (size_t)feedback_bytes, 0, (struct sockaddr *)&to, sizeof to);
        if (with_report) sendto(fds[i], report, (size_t)feedback_bytes, 0, (struct sockaddr *)&to, sizeof to);
      }
      turn++;
      next_turn += turn_s;
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: udp_floor <subscribers> <seconds> <warmup> [video_kbps fps mtu audio_pps audio_bytes feedback_ms feedback_bytes]\n");
    return 2;
  }
  int subscribers = atoi(argv[1]);
  double seconds = atof(argv[2]), warmup = atof(argv[3]);
  int arg[7] = {500, 30, 1100, 50, 120, 100, 80};
  for (int i = 0; i < 7 && 4 + i < argc; i++) arg[i] = atoi(argv[4 + i]);
  if (subscribers < 1 || subscribers > MAX_SUBSCRIBERS || seconds <= 0 || warmup < 0) {
    fprintf(stderr, "udp_floor: 1-%d subscribers, seconds > 0, warmup >= 0\n", MAX_SUBSCRIBERS);
    return 2;
  }
  struct rlimit files = {MAX_SUBSCRIBERS + 64, MAX_SUBSCRIBERS + 64};
  setrlimit(RLIMIT_NOFILE, &files);
  double start = now_s() + 0.5;
  double end = start + warmup + seconds + 1;
  pid_t forwarder = fork();
  if (forwarder == 0) {
    run_forwarder(subscribers, start, warmup, seconds);
    _exit(0);
  }
  pid_t sink = fork();
  if (sink == 0) {
    run_subscribers(subscribers, end, arg[5], arg[6]);
    _exit(0);
  }
  pid_t sender = fork();
  if (sender == 0) {
    run_sender(start, end, arg[0], arg[1], arg[2], arg[3], arg[4]);
    _exit(0);
  }
  int status = 0;
  waitpid(forwarder, &status, 0);
  kill(sender, SIGTERM);
  kill(sink, SIGTERM);
  waitpid(sender, NULL, 0);
  waitpid(sink, NULL, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
