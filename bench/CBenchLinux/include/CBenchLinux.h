// Linux calls the bench's load generators use that Swift's Glibc module does not export:
// epoll, timerfd and naming a thread (bench/ChorusBench/LoopbackSockets.swift).
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <netinet/tcp.h>

/// Names the calling thread as /proc and `top -H` show it (at most 15 characters).
static inline void bench_name_thread(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }
